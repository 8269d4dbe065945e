#pragma once
// Text given either inline (-p TEXT) or as a file (-f FILE), for tokenize / generate.

#include "app/cli/model_args.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fabulist::cli {

// Reads the whole file as bytes; throws UsageError naming the file when it cannot be read.
inline std::string readTextFile(const std::string& path) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
        throw UsageError("'" + path + "' is a folder: give a text file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot read text file '" + path + "': check the path");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Exactly one of inlineFlag / fileFlag must be given.
inline std::string textArgument(const ModelArgs& args, const char* inlineFlag,
                                const char* fileFlag) {
    const bool hasInline = args.has(inlineFlag), hasFile = args.has(fileFlag);
    if (hasInline == hasFile)
        throw UsageError(std::string("give the text with ") + inlineFlag + " TEXT or " + fileFlag +
                         " FILE (exactly one)");
    return hasInline ? args.string(inlineFlag) : readTextFile(args.string(fileFlag));
}

} // namespace fabulist::cli
