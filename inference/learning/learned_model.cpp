#include "inference/learning/learned_model.h"

#include "inference/engine_error.h"
#include "inference/heads/sha256.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace fabulist::inference {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCurrent = "current";
constexpr const char* kPreferDefault = "use-default";

std::string readFirstWord(const fs::path& path) {
    std::ifstream in(path);
    std::string word;
    in >> word;
    return word;
}

void verifyFile(const std::string& path) {
    const std::string expected = readFirstWord(path + ".sha256");
    if (expected.size() != 64)
        throw EngineError("learned model " + path + ": its checksum file " + path +
                          ".sha256 is missing or damaged; learn the book again (Project > Learn "
                          "This Book) or delete " +
                          fs::path(path).parent_path().parent_path().string());
    const std::string actual = fileSha256(path);
    if (actual != expected)
        throw EngineError("learned model " + path + " is damaged: its SHA-256 is " + actual +
                          ", expected " + expected +
                          "; learn the book again (Project > Learn This Book) or delete " +
                          fs::path(path).parent_path().parent_path().string());
}

} // namespace

std::string learnedModelsRoot() {
    const char* dataHome = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    const fs::path base =
        dataHome && *dataHome ? fs::path(dataHome) : fs::path(home ? home : ".") / ".local/share";
    return (base / "fabulist/learned").string();
}

std::string learnedModelFolder(const std::string& projectIdentity) {
    return (fs::path(learnedModelsRoot()) / projectIdentity).string();
}

std::optional<LearnedModel> findLearnedModel(const std::string& folder) {
    const std::string result = readFirstWord(fs::path(folder) / kCurrent);
    if (result.empty() || result.find('/') != std::string::npos) return std::nullopt;
    const fs::path dir = fs::path(folder) / result;
    std::error_code error;
    if (!fs::is_regular_file(dir / "learned.gguf", error)) return std::nullopt;
    return LearnedModel{folder, (dir / "learned.gguf").string(),
                        (dir / "learned.head.gguf").string(), (dir / "card.json").string()};
}

void verifyLearnedModel(const LearnedModel& model) {
    verifyFile(model.modelPath);
    verifyFile(model.headPath);
}

std::string fileSha256(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw EngineError("cannot read " + path + " to check its SHA-256");
    Sha256 sha;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        if (in.gcount() > 0) sha.update(buffer.data(), size_t(in.gcount()));
    }
    if (in.bad()) throw EngineError("read error in " + path);
    return Sha256::toHex(sha.finish());
}

void writeFileAtomically(const std::string& path, const std::string& contents) {
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << contents;
        out.flush();
        if (!out) throw EngineError("cannot write " + tmp + ": is the disk full?");
    }
    if (FILE* f = std::fopen(tmp.c_str(), "rb")) { // the bytes reach the disk before the rename
        ::fsync(fileno(f));
        std::fclose(f);
    }
    std::error_code error;
    fs::rename(tmp, path, error);
    if (error) throw EngineError("cannot rename " + tmp + " to " + path + ": " + error.message());
}

LearnedModel publishLearnedModel(const std::string& folder, const std::string& staged) {
    const std::string name =
        "result-" + std::to_string(std::time(nullptr)) + "-" + std::to_string(::getpid());
    std::error_code error;
    fs::rename(staged, fs::path(folder) / name, error);
    if (error)
        throw EngineError("cannot move the learned model into " + folder + ": " + error.message());
    writeFileAtomically((fs::path(folder) / kCurrent).string(), name + "\n");
    // Results `current` no longer names are of no use; one in use by a running app stays
    // readable until it closes the file.
    for (const fs::directory_entry& entry : fs::directory_iterator(folder, error))
        if (entry.is_directory() && entry.path().filename().string().rfind("result-", 0) == 0 &&
            entry.path().filename() != name)
            fs::remove_all(entry.path(), error);
    return *findLearnedModel(folder);
}

bool prefersDefaultModel(const std::string& folder) {
    std::error_code error;
    return fs::exists(fs::path(folder) / kPreferDefault, error);
}

void setPrefersDefaultModel(const std::string& folder, bool preferDefault) {
    const fs::path marker = fs::path(folder) / kPreferDefault;
    std::error_code error;
    if (!preferDefault) {
        fs::remove(marker, error);
        return;
    }
    fs::create_directories(folder, error);
    writeFileAtomically(marker.string(), "the writer chose the default model for this project\n");
}

void deleteLearnedModel(const std::string& folder) {
    std::error_code error;
    fs::remove_all(folder, error);
    if (error) throw EngineError("cannot delete " + folder + ": " + error.message());
}

} // namespace fabulist::inference
