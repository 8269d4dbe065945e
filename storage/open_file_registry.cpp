#include "storage/open_file_registry.h"

#include <map>
#include <mutex>
#include <sys/stat.h>
#include <utility>

namespace fabulist::storage {

namespace {

using Key = std::pair<unsigned long long, unsigned long long>; // device, inode

struct Counts {
    int viewers = 0;
    int editors = 0;
};

std::mutex g_mutex;
std::map<Key, Counts>& registry() {
    static std::map<Key, Counts> entries;
    return entries;
}

bool keyOf(const std::string& path, Key* key) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return false;
    *key = {static_cast<unsigned long long>(info.st_dev),
            static_cast<unsigned long long>(info.st_ino)};
    return true;
}

} // namespace

OpenFileRegistry::Use OpenFileRegistry::use(const std::string& path) {
    Key key;
    if (!keyOf(path, &key)) return Use::None;
    std::lock_guard guard(g_mutex);
    auto it = registry().find(key);
    if (it == registry().end()) return Use::None;
    return it->second.editors > 0 ? Use::Editing : Use::Viewing;
}

std::unique_ptr<OpenFileRegistration> OpenFileRegistry::add(const std::string& path, Use use) {
    Key key;
    if (use == Use::None || !keyOf(path, &key)) return nullptr;
    return std::make_unique<OpenFileRegistration>(key.first, key.second, use);
}

OpenFileRegistration::OpenFileRegistration(unsigned long long device, unsigned long long inode,
                                           OpenFileRegistry::Use use)
    : m_device(device), m_inode(inode), m_use(use) {
    std::lock_guard guard(g_mutex);
    Counts& counts = registry()[{device, inode}];
    (use == OpenFileRegistry::Use::Editing ? counts.editors : counts.viewers) += 1;
}

OpenFileRegistration::~OpenFileRegistration() {
    std::lock_guard guard(g_mutex);
    auto it = registry().find({m_device, m_inode});
    if (it == registry().end()) return;
    (m_use == OpenFileRegistry::Use::Editing ? it->second.editors : it->second.viewers) -= 1;
    if (it->second.editors <= 0 && it->second.viewers <= 0) registry().erase(it);
}

} // namespace fabulist::storage
