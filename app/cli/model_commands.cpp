// Model commands (info, tokenize, generate, perplexity, bench, synth). Each command lives in its
// own model_<name>_command.cpp.
#include "app/cli/model_commands.h"

#include "app/cli/cli_command.h"

namespace fabulist::cli {

namespace {

const CliCommand kModelCommands[] = {
    {"info", "info MODEL [-c CTX] [--kv-type f16|f32]",
     "architecture, parameters, tensor types, tokenizer, memory needed", runInfoCommand},
};

} // namespace

std::span<const CliCommand> modelCommands() {
    return kModelCommands;
}

} // namespace fabulist::cli
