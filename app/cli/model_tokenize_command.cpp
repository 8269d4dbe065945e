// `fabulist-cli tokenize -m MODEL -p TEXT [--json]`: the model's token ids for a text, as
// llama-tokenize prints them (BOS added per the model, special tokens parsed by default).
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_json.h"
#include "app/cli/model_text_input.h"
#include "inference/gguf/gguf_file.h"
#include "inference/tokenizer/tokenizer.h"

#include <cstdio>

namespace fabulist::cli {

namespace {
constexpr const char* kUsage =
    "tokenize -m MODEL (-p TEXT | -f FILE) [--json] [--no-bos] [--no-parse-special]";
}

int runTokenizeCommand(const std::vector<std::string>& argv) {
    std::string path, text;
    bool json = false, addSpecial = true, parseSpecial = true;
    try {
        ModelArgs args(argv, {{{"-m", "--model"}},
                              {{"-p", "--prompt"}},
                              {{"-f", "--file"}},
                              {{"--json"}, false},
                              {{"--no-bos"}, false},
                              {{"--no-parse-special"}, false}});
        path = modelPathOrDefault(args.string("-m"));
        requireModelFile(path);
        text = textArgument(args, "-p", "-f");
        json = args.has("--json");
        addSpecial = !args.has("--no-bos");
        parseSpecial = !args.has("--no-parse-special");
    } catch (const UsageError& e) {
        return usageFailure("tokenize", kUsage, e.what());
    }
    std::unique_ptr<inference::GgufFile> file;
    std::unique_ptr<inference::Tokenizer> tokenizer;
    try {
        file = inference::GgufFile::open(path);
        tokenizer = inference::Tokenizer::fromGguf(*file);
    } catch (const std::exception& e) {
        return runtimeFailure("tokenize", e.what());
    }
    const std::vector<int32_t> ids = tokenizer->encode(text, addSpecial, parseSpecial);
    if (json) {
        std::printf("%s\n", jsonIds(ids).c_str());
        return 0;
    }
    for (int32_t id : ids) {
        const int32_t one[1] = {id};
        std::printf("%6d -> %s\n", id, jsonString(tokenizer->decode(one, true)).c_str());
    }
    return 0;
}

} // namespace fabulist::cli
