#include "storage/project_identity.h"

#include "storage/project.h"
#include "storage/statement.h"

namespace fabulist::storage {

std::string projectIdentity(Project& project) {
    Statement query(project.database(), "SELECT value FROM project_meta WHERE key = 'created_at'");
    if (!query.step()) return {};
    const std::string createdAt = query.columnText(0);
    for (char c : createdAt)
        if (c < '0' || c > '9') return {}; // a folder name must come of it
    return createdAt.empty() ? std::string() : "p" + createdAt;
}

} // namespace fabulist::storage
