// Model commands (info, tokenize, generate, perplexity, bench, synth): added with the engine.
#include "app/cli/cli_command.h"

namespace fabulist::cli {

std::span<const CliCommand> modelCommands() { return {}; }

} // namespace fabulist::cli
