#pragma once
// The model commands of fabulist-cli, one file each (model_<name>_command.cpp); the table that
// cli_main.cpp dispatches through is in model_commands.cpp.

#include <string>
#include <vector>

namespace fabulist::cli {

int runInfoCommand(const std::vector<std::string>& args);
int runTokenizeCommand(const std::vector<std::string>& args);
int runGenerateCommand(const std::vector<std::string>& args);
// generate --task NAME ...: a writing task's prompt from the story (model_task_command.cpp).
int runTaskCommand(const std::vector<std::string>& args);
// generate --server URL ...: the same on an OpenAI-compatible server (remote_generate_command.cpp).
int runRemoteGenerateCommand(const std::vector<std::string>& args);
int runPerplexityCommand(const std::vector<std::string>& args);
int runBenchCommand(const std::vector<std::string>& args);
int runSynthCommand(const std::vector<std::string>& args);
// models fit MODEL: will it fit, how fast (model_models_command.cpp).
int runModelsCommand(const std::vector<std::string>& args);

} // namespace fabulist::cli
