#pragma once
// A fabulist-cli command: `fabulist-cli NAME ARGS...`. Each command group lives in its own file
// and exposes its table through a function declared here; cli_main.cpp dispatches.

#include <span>
#include <string>
#include <vector>

namespace fabulist::cli {

struct CliCommand {
    const char* name;
    const char* usage;   // one line: "project create|info|export-text PATH"
    const char* summary; // one line: what it does
    // args excludes the program name and the command name. Returns the process exit code.
    int (*run)(const std::vector<std::string>& args);
};

std::span<const CliCommand> projectCommands(); // project_commands.cpp
std::span<const CliCommand> modelCommands();   // model_commands.cpp

} // namespace fabulist::cli
