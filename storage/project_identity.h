#pragma once
// A project's identity: what stays the same for one book while its file is renamed, moved or
// edited. Things kept for a project outside its file (its learned model) are keyed by it.

#include <string>

namespace fabulist::storage {

class Project;

// "p" and the project's creation time in ms (project_meta 'created_at', written once by
// Project::create). A copy of the file is the same book and has the same identity. Empty for a
// file without a creation time (never made by Project::create).
std::string projectIdentity(Project& project);

} // namespace fabulist::storage
