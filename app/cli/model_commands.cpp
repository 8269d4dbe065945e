// Model commands (info, tokenize, generate, perplexity, bench, synth). Each command lives in its
// own model_<name>_command.cpp.
#include "app/cli/model_commands.h"

#include "app/cli/cli_command.h"

namespace fabulist::cli {

int runTrainHeadCommand(const std::vector<std::string>& args);     // model_train_head.cpp
int runEvalDiversityCommand(const std::vector<std::string>& args); // model_eval_diversity.cpp
int runInspectCommand(const std::vector<std::string>& args);       // model_inspect_command.cpp
int runTemplateCommand(const std::vector<std::string>& args);      // template_render_command.cpp
int runLearnCommand(const std::vector<std::string>& args);         // learn_command.cpp

namespace {

const CliCommand kModelCommands[] = {
    {"info", "info MODEL [-c CTX] [--kv-type f16|f32|q8_0] [--device vulkan]",
     "architecture, parameters, tensor types, tokenizer, memory needed", runInfoCommand},
    {"tokenize", "tokenize -m MODEL (-p TEXT | -f FILE) [--json]",
     "token ids of a text (BOS per the model, special tokens parsed)", runTokenizeCommand},
    {"generate",
     "generate -m MODEL -p PROMPT -n N --seed S --temp T --top-k K --top-p P --min-p M "
     "--threads T --experts-used E [--candidates N] [--json]",
     "stream generated text (greedy at --temp 0); --candidates: N at once", runGenerateCommand},
    {"inspect",
     "inspect -m MODEL -p PROMPT (--continuation TEXT | --ids 1,2,3) [--adapter HEAD.gguf "
     "--alpha A] [--top K] [--json]",
     "per generated token: top choices under each head and the mix, heads' KL", runInspectCommand},
    {"perplexity",
     "perplexity -m MODEL -f TEXTFILE [-c 512 --chunks N] [--adapter HEAD.gguf --alpha A]",
     "llama-perplexity's chunked perplexity of a text file", runPerplexityCommand},
    {"bench", "bench -m MODEL -p 512 -n 128 -t N [-r 5] [--device vulkan [--profile]] [--json]",
     "prompt and decode tokens/s, peak RSS (like llama-bench)", runBenchCommand},
    {"models", "models fit MODEL.gguf [--context N] [--json]",
     "memory needed vs this machine's, expected decode tokens/s", runModelsCommand},
    {"synth", "synth --shape NAME --type TYPE --vocab-from MODEL.gguf --seed S -o OUT.gguf",
     "write a random-weight model of a real shape (--list: shapes)", runSynthCommand},
    {"train-head",
     "train-head -m MODEL -c CORPUS... -o ADAPTER [--rank 32 --steps N --seed S] "
     "[--checkpoint FILE --fresh]",
     "train a diversity-head adapter (FACE loss, model frozen)", runTrainHeadCommand},
    {"learn", "learn PROJECT.fabulist [-o DIR] [--steps N] [--fresh] [--json]",
     "fine-tune the default model (and its head) on the project's own book", runLearnCommand},
    {"eval-diversity",
     "eval-diversity -m MODEL [--adapter A] --prompts FILE --samples N --length L --seed S "
     "[--json] [--plot FILE.png] | --plot-from RESULTS.json --plot FILE.png",
     "diversity (distinct-n, self-BLEU, rep-4, entropy) and perplexity per sampling setting",
     runEvalDiversityCommand},
    {"template",
     "template render (-m MODEL | --template FILE.jinja) --messages CONVERSATION.json "
     "[--add-generation-prompt] [--bos T] [--eos T] [--var NAME=JSON]...",
     "a conversation as the model's chat template renders it (jinja2-exact)", runTemplateCommand},
};

} // namespace

std::span<const CliCommand> modelCommands() {
    return kModelCommands;
}

} // namespace fabulist::cli
