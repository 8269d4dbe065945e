// `fabulist-cli synth --shape NAME --type TYPE --vocab-from MODEL.gguf --seed S -o OUT.gguf`:
// writes a random-weight model of a real architecture's shape (for speed and memory tests).
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "inference/synth/synth_model.h"

#include <cstdio>
#include <filesystem>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage = "synth --shape NAME --type "
                               "F32|F16|Q8_0|Q4_0|Q4_K_M|Q6_K|Q2_K|Q3_K_M|IQ4_NL|IQ4_XS|MXFP4_MOE "
                               "--vocab-from MODEL.gguf [--seed S] [-t THREADS] -o OUT.gguf "
                               "| synth --list";

void listShapes() {
    for (const auto& s : inference::synthShapes())
        std::printf("%-18s %s\n", s.name.c_str(), s.summary.c_str());
}

} // namespace

int runSynthCommand(const std::vector<std::string>& argv) {
    inference::SynthOptions o;
    try {
        ModelArgs args(argv, {{{"--shape"}},
                              {{"--type"}},
                              {{"--vocab-from"}},
                              {{"--seed"}},
                              {{"-t", "--threads"}},
                              {{"-o", "--output"}},
                              {{"--list"}, false}});
        if (args.has("--list")) {
            listShapes();
            return 0;
        }
        o.shapeName = args.requiredString("--shape");
        if (!inference::findSynthShape(o.shapeName))
            throw UsageError("unknown shape '" + o.shapeName +
                             "' (see `fabulist-cli synth --list`)");
        auto type = inference::parseSynthFileType(args.requiredString("--type"));
        if (!type)
            throw UsageError("unknown --type '" + args.string("--type") +
                             "' (F32, F16, Q8_0, Q4_0, Q4_K_M, Q6_K, Q2_K, Q3_K_M, IQ4_NL, "
                             "IQ4_XS or MXFP4_MOE)");
        o.fileType = *type;
        o.vocabFrom = args.requiredString("--vocab-from");
        std::error_code ec;
        if (!std::filesystem::is_regular_file(o.vocabFrom, ec))
            throw UsageError(
                "--vocab-from '" + o.vocabFrom +
                "' is not a file: pass an existing GGUF model whose tokenizer to copy");
        o.seed = static_cast<uint64_t>(args.integer("--seed", 1234, 0, INT64_MAX));
        o.threads = static_cast<int>(args.integer("-t", 2, 1, 256));
        o.outputPath = args.requiredString("-o");
    } catch (const UsageError& e) {
        return usageFailure("synth", kUsage, e.what());
    }
    int lastPercent = -1;
    o.progress = [&](uint64_t done, uint64_t total) {
        int percent = total ? int(done * 100 / total) : 100;
        if (percent / 10 != lastPercent / 10) {
            std::fprintf(stderr, "\rsynth: %3d%%", percent);
            lastPercent = percent;
        }
        return true;
    };
    try {
        const inference::SynthSummary s = inference::writeSynthModel(o);
        std::fprintf(stderr, "\r");
        std::printf("wrote %s: %s %s, %zu tensors, %.3f B parameters, %lld-token vocabulary "
                    "from %s, %.1f MiB\n",
                    o.outputPath.c_str(), o.shapeName.c_str(),
                    std::string(inference::synthFileTypeName(o.fileType)).c_str(), s.tensorCount,
                    double(s.parameters) / 1e9, static_cast<long long>(s.vocabSize),
                    o.vocabFrom.c_str(), double(s.fileBytes) / (1024.0 * 1024.0));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\n");
        return runtimeFailure("synth", e.what());
    }
    return 0;
}

} // namespace fabulist::cli
