#include "ui/models/installed_model.h"

#include "inference/engine/memory_estimate.h"
#include "inference/gguf/gguf_file.h"
#include "inference/model/model_config.h"
#include "ui/generate/inference_worker.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <algorithm>
#include <map>

namespace fabulist::ui {

namespace {

QString typeMixOf(const inference::GgufFile& file) {
    std::map<std::string, uint64_t> bytes;
    uint64_t total = 0;
    for (const auto& t : file.tensors()) {
        bytes[std::string(inference::ggmlTypeTraits(t.type).name)] += t.nbytes;
        total += t.nbytes;
    }
    std::vector<std::pair<uint64_t, std::string>> sorted;
    for (const auto& [name, b] : bytes) sorted.emplace_back(b, name);
    std::sort(sorted.rbegin(), sorted.rend());
    QStringList parts;
    for (const auto& [b, name] : sorted)
        parts << QStringLiteral("%1 %2 %")
                     .arg(QString::fromStdString(name))
                     .arg(total ? qRound(100.0 * double(b) / double(total)) : 0);
    return parts.join(QStringLiteral(", "));
}

void countParameters(const inference::GgufFile& file, int nExpert, int nExpertUsed,
                     InstalledModel& m) {
    for (const auto& t : file.tensors()) {
        const auto n = qint64(t.elementCount());
        m.parameters += n;
        const bool expert = nExpert > 0 && t.name.find("_exps.") != std::string::npos;
        m.activeParameters += expert ? n / nExpert * nExpertUsed : n;
    }
}

} // namespace

InstalledModel describeInstalledModel(const QString& path) {
    InstalledModel m;
    m.path = path;
    m.name = QFileInfo(path).completeBaseName();
    m.fileBytes = quint64(QFileInfo(path).size());
    m.hasHead = QFileInfo::exists(InferenceWorker::adapterPathFor(path));
    try {
        const auto file = inference::GgufFile::open(path.toStdString());
        const std::string name = file->getString("general.name", "");
        if (!name.empty()) m.name = QString::fromStdString(name);
        m.architecture = QString::fromStdString(file->getString("general.architecture", ""));
        m.typeMix = typeMixOf(*file);
        if (file->getString("general.type", "model") == "adapter") {
            m.problem = QObject::tr("a head adapter, not a model");
            return m;
        }
        const auto config = inference::ModelConfig::fromGguf(*file); // throws: unsupported
        m.contextLength = config.nCtxTrain;
        m.expertCount = config.nExpert;
        m.expertsUsed = config.nExpertUsed;
        countParameters(*file, config.nExpert, config.nExpertUsed, m);
        m.footprint = inference::footprintOfFile(
            *file, config, std::min(config.nCtxTrain, inference::kDefaultWorkingContext));
    } catch (const std::exception& e) {
        m.problem = QString::fromUtf8(e.what());
    }
    return m;
}

QStringList installedModelPaths(const QString& folder, const QStringList& extra) {
    QStringList paths;
    if (!folder.isEmpty()) {
        const QDir dir(folder);
        for (const QFileInfo& info :
             dir.entryInfoList({QStringLiteral("*.gguf")}, QDir::Files, QDir::Name)) {
            if (info.fileName().endsWith(QStringLiteral(".head.gguf"))) continue; // a head
            paths << info.absoluteFilePath();
        }
    }
    for (const QString& p : extra) {
        const QString absolute = QFileInfo(p).absoluteFilePath();
        if (!p.isEmpty() && QFileInfo::exists(p) && !paths.contains(absolute)) paths << absolute;
    }
    return paths;
}

QString formatParameters(double count) {
    if (count >= 1e9) return QStringLiteral("%1 B").arg(count / 1e9, 0, 'f', 1);
    if (count >= 1e6) return QStringLiteral("%1 M").arg(count / 1e6, 0, 'f', 0);
    return QString::number(qint64(count));
}

} // namespace fabulist::ui
