#pragma once
// OpenFileRegistry: the project files this process has open through a Project, by device and
// inode (so links and different spellings of a path count as the same file). Project::open
// asks it before touching a file: while SQLite has a file open in this process, Fabulist must
// not open and close its own descriptor on it (that would drop SQLite's POSIX locks), so the
// raw header check is skipped and a second editor is refused at once.

#include <memory>
#include <string>

namespace fabulist::storage {

class OpenFileRegistration;

class OpenFileRegistry {
public:
    enum class Use { None, Viewing, Editing };

    // How this process uses the file at path now (None when it does not exist).
    static Use use(const std::string& path);

    // Registers path for the lifetime of the returned handle (nullptr if path is gone).
    static std::unique_ptr<OpenFileRegistration> add(const std::string& path, Use use);
};

// One registered use of a file; unregisters when destroyed.
class OpenFileRegistration {
public:
    OpenFileRegistration(unsigned long long device, unsigned long long inode,
                         OpenFileRegistry::Use use);
    ~OpenFileRegistration();
    OpenFileRegistration(const OpenFileRegistration&) = delete;
    OpenFileRegistration& operator=(const OpenFileRegistration&) = delete;

private:
    unsigned long long m_device;
    unsigned long long m_inode;
    OpenFileRegistry::Use m_use;
};

} // namespace fabulist::storage
