// `fabulist-cli learn PROJECT.fabulist [-o DIR] [--steps N] [--json]`: fine-tunes the default
// model on the project's own text (manuscript scenes in binder order and the story bible's
// entries) mixed with a replay sample of the model's original training text, retrains the
// diversity head on the result, and publishes GGUF + head + card.json in the project's folder
// (inference/learning/learned_model.h).
//
// The C++ side prepares the data (the model's own tokenizer) and runs the steps as children at
// low priority: the PyTorch trainer inference/training/learn.py (Debian's python3-torch), then
// `fabulist-cli train-head`. SIGTERM/SIGINT stop both with their state saved in DIR/work; the
// same command resumes from there. Relearning starts from the last published result.
#include "app/cli/learn_child.h"
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "inference/engine/default_model.h"
#include "inference/engine/engine.h"
#include "inference/learning/learned_model.h"
#include "inference/tokenizer/tokenizer.h"
#include "storage/document_repository.h"
#include "storage/manuscript.h"
#include "storage/project.h"
#include "storage/project_identity.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <unistd.h>

#ifndef FABULIST_TRAINING_SOURCE_DIR
#define FABULIST_TRAINING_SOURCE_DIR "inference/training"
#endif
#ifndef FABULIST_LEARN_SOURCE_DIR
#define FABULIST_LEARN_SOURCE_DIR "resources/learn"
#endif

namespace fabulist::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "learn PROJECT.fabulist [-o DIR] [--steps N] [--head-steps N] [--eval-tokens N] [--fresh] "
    "[-t THREADS] [--json]";
constexpr int64_t kMinimumWords = 5000;
constexpr int kExitStopped = 130;
constexpr const char* kPython = "/usr/bin/python3"; // Debian's torch is importable only there

struct LearnOptions {
    std::string projectPath;
    std::string folder;
    int steps = 0; // 0: the trainer's default (about two passes over the book)
    int headSteps = 400;
    int evalTokens = 32768; // of the book and of the validation split, for the card
    int threads = 0;
    bool fresh = false;
    bool json = false;
};

struct BookText {
    std::string text;
    int64_t words = 0;
    QJsonArray documents; // what went in: chapters and bible entries with their words
};

std::string runningExecutable() {
    std::error_code error;
    std::string exe = fs::read_symlink("/proc/self/exe", error).string();
    // Rebuilt or upgraded while it runs: the file at that path is the one to run.
    const std::string deleted = " (deleted)";
    if (exe.size() > deleted.size() && exe.ends_with(deleted))
        exe.resize(exe.size() - deleted.size());
    return exe;
}

// An installed binary uses its package's files (<prefix>/share/fabulist/<sub>); a build uses
// the source tree's.
std::string dataDir(const char* installedSub, const char* sourceDir) {
    const fs::path installed =
        (fs::path(runningExecutable()).parent_path() / ".." / "share/fabulist" / installedSub)
            .lexically_normal();
    std::error_code error;
    return fs::is_directory(installed, error) ? installed.string() : std::string(sourceDir);
}

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void report(const LearnOptions& o, const QJsonObject& record, const std::string& human) {
    if (o.json)
        std::printf("%s\n", QJsonDocument(record).toJson(QJsonDocument::Compact).constData());
    else if (!human.empty())
        std::printf("%s\n", human.c_str());
    std::fflush(stdout);
}

std::string clock(double seconds) {
    const long s = long(std::lround(std::max(0.0, seconds)));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

BookText bookText(storage::Project& project) {
    BookText book;
    const storage::Manuscript manuscript = storage::compileManuscript(project);
    for (const storage::ManuscriptChapter& chapter : manuscript.chapters) {
        int64_t words = 0;
        std::string text = chapter.heading.empty() ? std::string() : chapter.heading + "\n\n";
        for (const std::string& scene : chapter.scenes) {
            text += scene + "\n\n";
            words += storage::countWords(scene);
        }
        book.text += text + "\f\n"; // chapters end like the recipe's (an EOS in the tokens)
        book.words += words;
        book.documents.append(QJsonObject{{"kind", "chapter"},
                                          {"title", QString::fromStdString(chapter.heading)},
                                          {"scenes", int(chapter.scenes.size())},
                                          {"words", qint64(words)}});
    }
    // The bible: what the writer says about each character and place, as prose.
    for (const storage::BibleEntry& entry : project.bible().entries()) {
        const std::string& about = entry.textForModel();
        if (about.empty()) continue;
        const int64_t words = storage::countWords(about);
        book.text += entry.name + "\n\n" + about + "\n\f\n";
        book.words += words;
        book.documents.append(QJsonObject{{"kind", "bible"},
                                          {"title", QString::fromStdString(entry.name)},
                                          {"words", qint64(words)}});
    }
    return book;
}

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path + "; reinstall the fabulist package");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Each chapter ("\f" ends one) as token ids followed by EOS, like the recipe's splits; uint16.
void writeTokens(const inference::Tokenizer& tokenizer, const std::string& text,
                 const std::string& path) {
    std::vector<uint16_t> ids;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\f', start);
        if (end == std::string::npos) end = text.size();
        std::string chapter = text.substr(start, end - start);
        while (!chapter.empty() && (chapter.back() == '\n' || chapter.back() == ' '))
            chapter.pop_back();
        while (!chapter.empty() && chapter.front() == '\n') chapter.erase(0, 1);
        if (!chapter.empty()) {
            for (int32_t id : tokenizer.encode(chapter, false, false)) ids.push_back(uint16_t(id));
            ids.push_back(uint16_t(tokenizer.eos()));
        }
        start = end + 1;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(ids.data()), std::streamsize(ids.size() * 2));
    if (!out) throw std::runtime_error("cannot write " + path + ": is the disk full?");
}

// The model to start from: the last published result (relearning continues from it) unless
// --fresh, else the shipped default. Both are checked against their SHA-256 first.
std::string baseModel(const LearnOptions& o, std::string& startedFrom) {
    if (!o.fresh) {
        if (auto last = inference::findLearnedModel(o.folder)) {
            inference::verifyLearnedModel(*last);
            startedFrom = "the last learned model";
            return last->modelPath;
        }
    }
    const std::string path = inference::defaultModelPath();
    inference::verifyDefaultModel(path);
    startedFrom = "the default model";
    return path;
}

bool torchAvailable() {
    const ChildRun run = runLearnChild({kPython, "-c", "import torch, numpy"}, 0, true, {},
                                       [](const std::string&) {});
    return run.exitCode == 0;
}

int parse(const std::vector<std::string>& argv, LearnOptions& o) {
    try {
        ModelArgs args(argv,
                       {{{"-o", "--output"}},
                        {{"--steps"}},
                        {{"--head-steps"}},
                        {{"--eval-tokens"}},
                        {{"-t", "--threads"}},
                        {{"--fresh"}, false},
                        {{"--json"}, false}},
                       1);
        if (args.positionals().empty()) throw UsageError("missing PROJECT.fabulist");
        o.projectPath = args.positionals()[0];
        o.folder = args.string("-o");
        o.steps = int(args.integer("--steps", 0, 0, 1000000));
        o.headSteps = int(args.integer("--head-steps", 400, 1, 1000000));
        o.evalTokens = int(args.integer("--eval-tokens", 32768, 256, 1 << 30));
        o.threads = int(args.integer("-t", 0, 0, 1024));
        o.fresh = args.has("--fresh");
        o.json = args.has("--json");
    } catch (const UsageError& e) {
        return usageFailure("learn", kUsage, e.what());
    }
    return 0;
}

int refuse(const LearnOptions& o, int64_t words) {
    const std::string message =
        "the project has " + std::to_string(words) + " words of manuscript and story bible; " +
        "learning needs at least " + std::to_string(kMinimumWords) +
        ": with less the model would only memorise it. Write more and learn again";
    report(o,
           {{"event", "refused"},
            {"words", qint64(words)},
            {"message", QString::fromStdString(message)}},
           {});
    return runtimeFailure("learn", message);
}

// Runs learn.py; fills `done` with its final record. Returns the exit code to end with, or 0.
int trainModel(const LearnOptions& o, const std::string& base, const fs::path& work, int threads,
               QJsonObject& done) {
    std::vector<std::string> cmd = {
        kPython,         dataDir("training", FABULIST_TRAINING_SOURCE_DIR) + "/learn.py",
        "--base",        base,
        "--book",        (work / "book.bin").string(),
        "--replay",      (work / "replay.bin").string(),
        "--valid",       (work / "valid.bin").string(),
        "--work",        work.string(),
        "--out",         (work / "learned.gguf").string(),
        "--threads",     std::to_string(threads),
        "--eval-tokens", std::to_string(o.evalTokens),
        "--name",        "learned from " + fs::path(o.projectPath).stem().string(),
        "--description", "Fabulist's default model, fine-tuned on the writer's own book"};
    if (o.steps > 0) cmd.insert(cmd.end(), {"--steps", std::to_string(o.steps)});
    const ChildRun run = runLearnChild(
        cmd, 19, false, {"OMP_WAIT_POLICY=PASSIVE", "PYTHONUNBUFFERED=1"},
        [&](const std::string& line) {
            const QJsonObject r = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
            const QString event = r.value("event").toString();
            if (event == "progress") {
                QJsonObject p = r;
                p["phase"] = "model";
                char human[160];
                std::snprintf(human, sizeof human,
                              "learn: step %d/%d  loss %.3f  %.0f tokens/s  time left %s",
                              r["step"].toInt(), r["steps"].toInt(), r["loss"].toDouble(),
                              r["tokens_per_s"].toDouble(), clock(r["eta_s"].toDouble()).c_str());
                report(o, p, human);
            } else if (event == "done") {
                done = r;
            } else if (event == "resumed") {
                report(o, r, "learn: resuming at step " + std::to_string(r["step"].toInt()));
            } else if (!event.isEmpty()) {
                report(o, r, {});
            } else {
                std::fprintf(stderr, "%s\n", line.c_str());
            }
        });
    if (run.stopped) return kExitStopped;
    if (run.exitCode != 0 || done.isEmpty())
        return runtimeFailure("learn", "the trainer (" + cmd[1] + ") failed with exit code " +
                                           std::to_string(run.exitCode) + "; see above");
    return 0;
}

// train-head on the book for the learned model; resumable through its checkpoint in `work`.
int trainHead(const LearnOptions& o, const fs::path& work, const std::string& model,
              const std::string& out, int threads) {
    const std::vector<std::string> cmd = {runningExecutable(),
                                          "train-head",
                                          "-m",
                                          model,
                                          "-c",
                                          (work / "book.txt").string(),
                                          "-o",
                                          out,
                                          "--checkpoint",
                                          (work / "head.ckpt").string(),
                                          "--rank",
                                          "32",
                                          "--steps",
                                          std::to_string(o.headSteps),
                                          "--batch",
                                          "256",
                                          "--lr",
                                          "0.0002",
                                          "--gamma",
                                          "1.0",
                                          "--ctx",
                                          "1024",
                                          "--eval-every",
                                          "100",
                                          "-t",
                                          std::to_string(threads),
                                          "--word-starts-only",
                                          "--strength",
                                          "0.75"};
    const std::regex step(R"(step (\d+)/(\d+).*ETA (\d+) s)");
    // Before its steps, train-head reads the book through the model ("model pass N/M tokens").
    const std::regex pass(R"(model pass (\d+)/(\d+) tokens.*ETA (\d+) s)");
    const ChildRun run = runLearnChild(cmd, 19, true, {}, [&](const std::string& line) {
        std::smatch m;
        if (std::regex_search(line, m, pass)) {
            const double eta = std::stod(m[3]);
            report(o,
                   {{"event", "progress"},
                    {"phase", "head_pass"},
                    {"step", qint64(std::stoll(m[1]))},
                    {"steps", qint64(std::stoll(m[2]))},
                    {"eta_s", eta}},
                   "learn: diversity head, reading the book: " + std::string(m[1]) + "/" +
                       std::string(m[2]) + " tokens  time left " + clock(eta));
        } else if (std::regex_search(line, m, step)) {
            const int done = std::stoi(m[1]), total = std::stoi(m[2]);
            const double eta = std::stod(m[3]);
            report(o,
                   {{"event", "progress"},
                    {"phase", "head"},
                    {"step", done},
                    {"steps", total},
                    {"eta_s", eta}},
                   "learn: diversity head step " + std::to_string(done) + "/" +
                       std::to_string(total) + "  time left " + clock(eta));
        } else {
            std::fprintf(stderr, "%s\n", line.c_str());
        }
    });
    if (run.stopped) return kExitStopped;
    if (run.exitCode != 0)
        return runtimeFailure("learn", "training the diversity head failed (exit code " +
                                           std::to_string(run.exitCode) + "); see above");
    return 0;
}

QJsonObject perplexities(const QJsonObject& r) {
    return {{"book", r["book"].toDouble()}, {"base_validation", r["valid"].toDouble()}};
}

} // namespace

int runLearnCommand(const std::vector<std::string>& argv) {
    LearnOptions o;
    if (const int bad = parse(argv, o)) return bad;
    installLearnStopHandler();
    try {
        storage::OpenOptions open;
        open.mode = storage::OpenMode::ReadOnly; // the editor may have it open; we only read
        auto project = storage::Project::open(o.projectPath, open);
        const BookText book = bookText(*project);
        if (book.words < kMinimumWords) return refuse(o, book.words);
        if (o.folder.empty()) {
            const std::string identity = storage::projectIdentity(*project);
            if (identity.empty())
                throw std::runtime_error("this project file has no creation time to key its "
                                         "learned model by; give a folder with -o DIR");
            o.folder = inference::learnedModelFolder(identity);
        }
        project.reset();
        if (!torchAvailable())
            return runtimeFailure(
                "learn", "learning needs PyTorch for " + std::string(kPython) +
                             ": install the Debian package python3-torch (sudo apt install "
                             "python3-torch python3-numpy) and try again");
        const fs::path work = fs::path(o.folder) / "work";
        fs::create_directories(work);
        std::string startedFrom;
        const std::string base = baseModel(o, startedFrom);
        const int threads =
            o.threads > 0 ? o.threads : int(std::max(1u, std::thread::hardware_concurrency()));
        report(o,
               {{"event", "start"},
                {"words", qint64(book.words)},
                {"folder", QString::fromStdString(o.folder)},
                {"base", QString::fromStdString(base)}},
               "learn: " + std::to_string(book.words) + " words, starting from " + startedFrom +
                   " (" + base + "); results go to " + o.folder);
        {
            std::ofstream text(work / "book.txt", std::ios::binary | std::ios::trunc);
            text << book.text;
        }
        const std::string learnDir = dataDir("learn", FABULIST_LEARN_SOURCE_DIR);
        {
            inference::EngineOptions options;
            options.modelPath = base;
            options.threads = 1;
            options.contextLength = 256;
            auto engine = inference::Engine::load(options);
            writeTokens(engine->tokenizer(), book.text, (work / "book.bin").string());
            writeTokens(engine->tokenizer(), readText(learnDir + "/replay-train.txt"),
                        (work / "replay.bin").string());
            writeTokens(engine->tokenizer(), readText(learnDir + "/replay-valid.txt"),
                        (work / "valid.bin").string());
        }
        QJsonObject done;
        if (const int code = trainModel(o, base, work, threads, done)) {
            if (code == kExitStopped)
                report(o, {{"event", "stopped"}},
                       "learn: stopped; the state is in " + work.string() +
                           ". Run the same command again to continue from there");
            return code;
        }
        // The result is assembled in a staging folder and published whole.
        const fs::path staged = fs::path(o.folder) / ("staging-" + std::to_string(::getpid()));
        fs::remove_all(staged);
        fs::create_directories(staged);
        const std::string model = (staged / "learned.gguf").string();
        fs::copy_file(work / "learned.gguf", model);
        const std::string head = (staged / "learned.head.gguf").string();
        if (const int code = trainHead(o, work, model, head, threads)) {
            fs::remove_all(staged);
            if (code == kExitStopped)
                report(o, {{"event", "stopped"}},
                       "learn: stopped; the state is in " + work.string() +
                           ". Run the same command again to continue from there");
            return code;
        }
        const std::string modelSha = inference::fileSha256(model);
        const std::string headSha = inference::fileSha256(head);
        inference::writeFileAtomically(model + ".sha256", modelSha + "  learned.gguf\n");
        inference::writeFileAtomically(head + ".sha256", headSha + "  learned.head.gguf\n");
        const QJsonObject card{
            {"project", QString::fromStdString(fs::absolute(o.projectPath).string())},
            {"date", QString::fromStdString(utcNow())},
            {"started_from", QString::fromStdString(base)},
            {"words", qint64(book.words)},
            {"documents", book.documents},
            {"steps", done["steps"]},
            {"tokens_trained", done["train_tokens"]},
            {"perplexity_before", perplexities(done["before"].toObject())},
            {"perplexity_after", perplexities(done["after"].toObject())},
            {"model", "learned.gguf"},
            {"model_sha256", QString::fromStdString(modelSha)},
            {"head", "learned.head.gguf"},
            {"head_sha256", QString::fromStdString(headSha)}};
        inference::writeFileAtomically((staged / "card.json").string(),
                                       QJsonDocument(card).toJson().toStdString());
        const inference::LearnedModel published =
            inference::publishLearnedModel(o.folder, staged.string());
        fs::remove_all(work); // the state of a finished run is of no further use
        inference::setPrefersDefaultModel(o.folder, false); // a new result is used
        QJsonObject result = card;
        result["event"] = "done";
        result["model_path"] = QString::fromStdString(published.modelPath);
        result["head_path"] = QString::fromStdString(published.headPath);
        result["card_path"] = QString::fromStdString(published.cardPath);
        char human[400];
        std::snprintf(human, sizeof human,
                      "learn: done. Perplexity on the book %.1f -> %.1f, on the base validation "
                      "text %.1f -> %.1f\nlearn: wrote %s",
                      done["before"].toObject()["book"].toDouble(),
                      done["after"].toObject()["book"].toDouble(),
                      done["before"].toObject()["valid"].toDouble(),
                      done["after"].toObject()["valid"].toDouble(), published.modelPath.c_str());
        report(o, result, human);
    } catch (const std::exception& e) {
        return runtimeFailure("learn", e.what());
    }
    return 0;
}

} // namespace fabulist::cli
