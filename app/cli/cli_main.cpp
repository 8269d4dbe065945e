// fabulist-cli: headless access to projects and models. Dispatches to the command tables.
#include "app/cli/cli_command.h"

#include <fabulist/version.h>

#include <cstdio>
#include <cstring>
#include <exception>

using fabulist::cli::CliCommand;

namespace {

void printUsage(FILE* out) {
    std::fprintf(out, "usage: fabulist-cli [--version | --help] COMMAND [ARGS...]\n\ncommands:\n");
    for (auto table : {fabulist::cli::projectCommands(), fabulist::cli::modelCommands()})
        for (const CliCommand& c : table) std::fprintf(out, "  %-44s %s\n", c.usage, c.summary);
}

const CliCommand* findCommand(const char* name) {
    for (auto table : {fabulist::cli::projectCommands(), fabulist::cli::modelCommands()})
        for (const CliCommand& c : table)
            if (std::strcmp(c.name, name) == 0) return &c;
    return nullptr;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    if (std::strcmp(argv[1], "--version") == 0) {
        std::printf("fabulist-cli %s\n", FABULIST_VERSION);
        return 0;
    }
    if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        printUsage(stdout);
        return 0;
    }
    const CliCommand* command = findCommand(argv[1]);
    if (!command) {
        std::fprintf(stderr, "fabulist-cli: unknown command '%s'\n\n", argv[1]);
        printUsage(stderr);
        return 2;
    }
    try {
        return command->run(std::vector<std::string>(argv + 2, argv + argc));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fabulist-cli %s: %s\n", argv[1], e.what());
        return 1;
    }
}
