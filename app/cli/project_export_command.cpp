// `fabulist-cli project export PATH --format FMT -o OUT [--force] [...]`: the manuscript in one
// of the export formats, written atomically and never over a file that was not asked for.
#include "app/cli/project_export_command.h"

#include "storage/file_output.h"
#include "storage/manuscript.h"
#include "storage/project.h"
#include "storage/storage_error.h"
#include "ui/export/manuscript_export.h"

#include <QGuiApplication>
#include <cstdio>
#include <memory>
#include <optional>

namespace fabulist::cli {

namespace {

using exporting::ExportFormat;

constexpr const char* kExportUsage =
    "usage: fabulist-cli project export PATH --format FMT -o FILE [--force]\n"
    "         [--separator hash|blank] [--no-chapter-titles] [--chapter-numbers]\n"
    "         [--author NAME] [--font courier|times] [--page letter|a4]\n"
    "  FMT: %s\n"
    "  --force     replace an existing FILE (never the project itself)\n"
    "  --author    the byline and manuscript header (default: the project's author, if any)\n"
    "  --font      standard manuscript font (default courier); --page: paper (default letter\n"
    "              for the manuscript format, a4 for pdf)\n";

int exportUsageError(const std::string& message) {
    std::fprintf(stderr, "fabulist-cli project export: %s\n", message.c_str());
    std::fprintf(stderr, kExportUsage, exporting::exportFormatNames().c_str());
    return 2;
}

struct ExportArgs {
    std::string path;
    std::string output;
    std::optional<ExportFormat> format;
    bool force = false;
    std::optional<QPageSize::PageSizeId> page;
    storage::CompileOptions compile;
    exporting::RenderOptions render;
};

// Returns an error message, or empty when the arguments are good.
std::string parse(const std::vector<std::string>& args, ExportArgs& out) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const bool hasValue = i + 1 < args.size();
        if (arg == "--format" && hasValue) {
            out.format = exporting::exportFormatFromName(args[++i]);
            if (!out.format) return "unknown format '" + args[i] + "'";
        } else if ((arg == "-o" || arg == "--output") && hasValue) {
            out.output = args[++i];
        } else if (arg == "--force") {
            out.force = true;
        } else if (arg == "--separator" && hasValue) {
            const std::string& value = args[++i];
            if (value != "hash" && value != "blank") return "--separator is hash or blank";
            out.compile.separator = value == "hash" ? storage::SceneSeparator::Hash
                                                    : storage::SceneSeparator::BlankLine;
        } else if (arg == "--no-chapter-titles") {
            out.compile.chapterTitles = false;
        } else if (arg == "--chapter-numbers") {
            out.compile.chapterNumbers = true;
        } else if (arg == "--author" && hasValue) {
            out.compile.author = args[++i];
        } else if (arg == "--font" && hasValue) {
            const std::string& value = args[++i];
            if (value != "courier" && value != "times") return "--font is courier or times";
            out.render.manuscript.font = value == "courier" ? exporting::ManuscriptFont::Courier
                                                            : exporting::ManuscriptFont::Times;
        } else if (arg == "--page" && hasValue) {
            const std::string& value = args[++i];
            if (value != "letter" && value != "a4") return "--page is letter or a4";
            out.page = value == "letter" ? QPageSize::Letter : QPageSize::A4;
        } else if (!arg.empty() && arg[0] == '-') {
            return "unknown option '" + arg + "'";
        } else if (out.path.empty()) {
            out.path = arg;
        } else {
            return "more than one PATH";
        }
    }
    if (out.path.empty()) return "export needs a PATH";
    if (!out.format) return "export needs --format FMT";
    if (out.output.empty()) return "export needs -o FILE";
    if (out.page) out.render.manuscript.pageSize = out.render.pdfPageSize = *out.page;
    return {};
}

// ODT and the PDFs lay out text, which needs a QGuiApplication (fonts); no display is needed.
std::unique_ptr<QGuiApplication> guiApplication() {
    if (QCoreApplication::instance()) return nullptr;
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "fabulist-cli";
    static char* argv[] = {name, nullptr};
    return std::make_unique<QGuiApplication>(argc, argv);
}

} // namespace

int projectExport(const std::vector<std::string>& args) {
    ExportArgs parsed;
    const std::string error = parse(args, parsed);
    if (!error.empty()) return exportUsageError(error);
    storage::OpenOptions open;
    open.mode = storage::OpenMode::ReadOnly; // export never needs the editor's lock
    auto project = storage::Project::open(parsed.path, open);
    const storage::Manuscript manuscript = storage::compileManuscript(*project, parsed.compile);
    project.reset();
    storage::FileOutputOptions output;
    output.replaceExisting = parsed.force;
    // The project's sidecars count as inputs too: an export must never land on them.
    output.inputs = {parsed.path, parsed.path + "-wal", parsed.path + "-shm"};
    const auto app = guiApplication();
    try {
        exporting::exportManuscript(manuscript, *parsed.format, parsed.output, output,
                                    parsed.render);
    } catch (const std::runtime_error& failure) {
        if (dynamic_cast<const storage::StorageError*>(&failure)) throw;
        std::fprintf(stderr, "fabulist-cli project export: %s\n", failure.what());
        return 1;
    }
    std::printf("exported %zu chapters (%lld words) as %s to %s\n", manuscript.chapters.size(),
                static_cast<long long>(manuscript.wordCount),
                exporting::infoOf(*parsed.format).name, parsed.output.c_str());
    return 0;
}

} // namespace fabulist::cli
