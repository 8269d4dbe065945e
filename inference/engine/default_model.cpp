#include "inference/engine/default_model.h"

#include "inference/engine/engine.h"
#include "inference/heads/sha256.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#ifndef FABULIST_DEFAULT_MODEL_PATH
#define FABULIST_DEFAULT_MODEL_PATH "resources/models/fabulist-default.gguf"
#endif

namespace fabulist::inference {

namespace {

constexpr const char* kRestoreHint =
    "the shipped default model is damaged; restore it with `git checkout resources/models/` "
    "(or reinstall the fabulist package)";

std::string runningExecutable() {
    std::error_code error;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::string() : exe.string();
}

} // namespace

std::string installedDefaultModelPath(const std::string& executablePath) {
    const std::filesystem::path prefix = std::filesystem::path(executablePath).parent_path() / "..";
    return (prefix / "share/fabulist/models/fabulist-default.gguf").lexically_normal().string();
}

std::string defaultModelPath() {
    const char* env = std::getenv("FABULIST_DEFAULT_MODEL");
    if (env != nullptr && *env != '\0') return env;
    // An installed binary uses its package's model, never a source tree it was built from.
    const std::string exe = runningExecutable();
    if (!exe.empty()) {
        const std::string installed = installedDefaultModelPath(exe);
        std::error_code error;
        if (std::filesystem::is_regular_file(installed, error)) return installed;
    }
    return FABULIST_DEFAULT_MODEL_PATH;
}

void verifyDefaultModel(const std::string& path) {
    const std::string sumPath = path + ".sha256";
    std::ifstream sumFile(sumPath);
    std::string expected;
    if (!sumFile || !(sumFile >> expected)) {
        throw EngineError("default model " + path + ": cannot read its checksum file " + sumPath +
                          "; " + kRestoreHint);
    }
    for (char& c : expected) c = char(std::tolower(static_cast<unsigned char>(c)));
    bool hex = expected.size() == 64;
    for (char c : expected) hex = hex && std::isxdigit(static_cast<unsigned char>(c));
    if (!hex) {
        throw EngineError("default model " + path + ": " + sumPath +
                          " does not start with a SHA-256 hex digest; " + kRestoreHint);
    }

    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw EngineError("default model " + path + ": cannot open the file; " + kRestoreHint);
    }
    Sha256 sha;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        const std::streamsize got = in.gcount();
        if (got > 0) sha.update(buffer.data(), size_t(got));
    }
    if (in.bad()) {
        throw EngineError("default model " + path + ": read error; " + kRestoreHint);
    }
    const std::string actual = Sha256::toHex(sha.finish());
    if (actual != expected) {
        throw EngineError("default model " + path + ": SHA-256 mismatch (expected " + expected +
                          " from " + sumPath + ", actual " + actual + "); " + kRestoreHint);
    }
}

} // namespace fabulist::inference
