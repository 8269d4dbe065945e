// Project commands: added with the storage module.
#include "app/cli/cli_command.h"

namespace fabulist::cli {

std::span<const CliCommand> projectCommands() { return {}; }

} // namespace fabulist::cli
