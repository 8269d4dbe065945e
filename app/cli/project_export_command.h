#pragma once
// `fabulist-cli project export`: see project_export_command.cpp.

#include <string>
#include <vector>

namespace fabulist::cli {

// Returns the exit code: 0 done, 1 failed (message on stderr), 2 bad arguments. Lets
// StorageError through (the project command prints it).
int projectExport(const std::vector<std::string>& args);

} // namespace fabulist::cli
