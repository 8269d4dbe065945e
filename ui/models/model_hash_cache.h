#pragma once
// SHA-256 of model files, remembered by path, size and modification time in the user's cache
// folder (model-sha256.ini), so a multi-GB file is hashed once, off the GUI thread.
#include <QString>

namespace fabulist::ui {

class ModelHashCache {
public:
    // The remembered hash of `path` while the file is unchanged; empty otherwise.
    static QString cached(const QString& path);
    static void remember(const QString& path, const QString& sha256);
    // Reads the whole file (seconds per GB): call it off the GUI thread. Empty on a read error.
    static QString compute(const QString& path);
};

} // namespace fabulist::ui
