// Project commands: `fabulist-cli project create|info|export-text|export PATH`.
#include "app/cli/cli_command.h"
#include "app/cli/project_export_command.h"
#include "storage/file_output.h"
#include "storage/project.h"
#include "storage/sample_project.h"
#include "storage/storage_error.h"

#include <cstdio>
#include <map>
#include <sstream>
#include <string>

namespace fabulist::cli {

namespace {

using storage::BinderNode;
using storage::NodeKind;
using storage::Project;

constexpr const char* kUsage =
    "usage: fabulist-cli project create [--sample] [--title TITLE] PATH\n"
    "       fabulist-cli project info PATH\n"
    "       fabulist-cli project export-text [-o FILE [--force]] PATH\n"
    "       fabulist-cli project export PATH --format FMT -o FILE [--force] [...]\n"
    "            (markdown, text, odt, pdf, manuscript, docx, epub; 'project export' alone\n"
    "            lists its options)\n"
    "  -o FILE   write the manuscript to FILE (never the project itself; an existing FILE\n"
    "            only with --force)\n";

int usageError(const std::string& message) {
    std::fprintf(stderr, "fabulist-cli project: %s\n%s", message.c_str(), kUsage);
    return 2;
}

std::unique_ptr<Project> openForReading(const std::string& path) {
    storage::OpenOptions options;
    options.mode = storage::OpenMode::ReadOnly; // viewing never needs the editor's lock
    return Project::open(path, options);
}

int create(const std::vector<std::string>& args) {
    bool sample = false;
    std::string title;
    std::string path;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--sample") {
            sample = true;
        } else if (args[i] == "--title" && i + 1 < args.size()) {
            title = args[++i];
        } else if (!args[i].empty() && args[i][0] == '-') {
            return usageError("unknown option '" + args[i] + "'");
        } else if (path.empty()) {
            path = args[i];
        } else {
            return usageError("more than one PATH");
        }
    }
    if (path.empty()) return usageError("create needs a PATH");
    auto project =
        sample ? storage::createSampleProject(path) : storage::createStandardProject(path, title);
    if (sample && !title.empty()) project->setTitle(title);
    std::printf("created %s project '%s' at %s\n", sample ? "sample" : "new",
                project->title().c_str(), path.c_str());
    return 0;
}

int info(const std::string& path) {
    auto project = openForReading(path);
    const std::vector<BinderNode> nodes = project->binder().tree();
    // Word counts: each node's own text, and with its subtree for folders and chapters.
    std::map<int64_t, int64_t> own;
    std::map<int64_t, int64_t> total;
    for (const BinderNode& node : nodes) own[node.id] = project->documents().wordCount(node.id);
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        total[it->id] += own[it->id];
        if (it->parentId) total[*it->parentId] += total[it->id];
    }
    std::map<int64_t, int> depth;
    int64_t words = 0;
    std::printf("project: %s\nfile: %s\nschema: %d\n\n", project->title().c_str(), path.c_str(),
                project->schemaVersion());
    for (const BinderNode& node : nodes) {
        depth[node.id] = node.parentId ? depth[*node.parentId] + 1 : 0;
        if (!node.parentId) words += total[node.id];
        std::printf("%*s%-9s %s  (%lld words)\n", depth[node.id] * 2, "",
                    storage::toString(node.kind), node.title.c_str(),
                    static_cast<long long>(total[node.id]));
    }
    std::printf("\ntotal: %lld words, %zu items, %zu in trash, %zu boards\n",
                static_cast<long long>(words), nodes.size(), project->binder().trashed().size(),
                project->storyboard().boards().size());
    return 0;
}

// The manuscript: folders, chapters and scenes in binder order, not trashed; characters,
// places and notes (and anything under them) are reference material and left out.
std::string manuscript(Project& project) {
    std::ostringstream out;
    std::map<int64_t, bool> excluded;
    bool first = true;
    for (const BinderNode& node : project.binder().tree()) {
        const bool parentExcluded = node.parentId && excluded[*node.parentId];
        excluded[node.id] = parentExcluded || node.kind == NodeKind::Note ||
                            node.kind == NodeKind::Character || node.kind == NodeKind::Place;
        if (excluded[node.id]) continue;
        const std::string text = project.documents().text(node.id);
        std::string heading;
        if (node.kind == NodeKind::Chapter) heading = "# " + node.title;
        if (node.kind == NodeKind::Scene) heading = "## " + node.title;
        if (node.kind == NodeKind::Folder && node.parentId) heading = "# " + node.title;
        if (heading.empty() && text.empty()) continue;
        if (!first) out << "\n";
        first = false;
        if (!heading.empty()) out << heading << (text.empty() ? "\n" : "\n\n");
        if (!text.empty()) out << text << (text.back() == '\n' ? "" : "\n");
    }
    return out.str();
}

int exportText(const std::vector<std::string>& args) {
    std::string output;
    std::string path;
    bool force = false;
    for (size_t i = 0; i < args.size(); ++i) {
        if ((args[i] == "-o" || args[i] == "--output") && i + 1 < args.size()) {
            output = args[++i];
        } else if (args[i] == "--force") {
            force = true;
        } else if (!args[i].empty() && args[i][0] == '-') {
            return usageError("unknown option '" + args[i] + "'");
        } else if (path.empty()) {
            path = args[i];
        } else {
            return usageError("more than one PATH");
        }
    }
    if (path.empty()) return usageError("export-text needs a PATH");
    if (force && output.empty()) return usageError("--force needs -o FILE");
    auto project = openForReading(path);
    const std::string text = manuscript(*project);
    if (output.empty()) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    }
    // The project's sidecars count as inputs too: an export must never land on them.
    storage::FileOutputOptions options;
    options.replaceExisting = force;
    options.inputs = {path, path + "-wal", path + "-shm"};
    project.reset();
    storage::writeFileSafely(output, text, options);
    return 0;
}

int runProject(const std::vector<std::string>& args) {
    if (args.empty()) return usageError("missing subcommand");
    const std::string& sub = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        if (sub == "create") return create(rest);
        if (sub == "info") {
            if (rest.size() != 1) return usageError("info needs exactly one PATH");
            return info(rest[0]);
        }
        if (sub == "export-text") return exportText(rest);
        if (sub == "export") return projectExport(rest);
    } catch (const storage::StorageError& error) {
        std::fprintf(stderr, "fabulist-cli project %s: %s\n", sub.c_str(), error.what());
        return 1;
    }
    return usageError("unknown subcommand '" + sub + "'");
}

constexpr CliCommand kCommands[] = {
    {"project", "project create|info|export-text|export PATH",
     "create a project, print its binder with word counts, export the manuscript", runProject},
};

} // namespace

std::span<const CliCommand> projectCommands() {
    return kCommands;
}

} // namespace fabulist::cli
