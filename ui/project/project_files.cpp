#include "ui/project/project_files.h"

#include "storage/project.h"
#include "storage/sample_project.h"
#include "storage/storage_error.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace fabulist::ui {

namespace {
std::string toStd(const QString& s) {
    return s.toUtf8().toStdString();
}
} // namespace

ProjectResult openProjectFile(const QString& path) {
    ProjectResult result;
    try {
        result.project = storage::Project::open(toStd(path));
        return result;
    } catch (const storage::StorageError& e) {
        result.error = QString::fromUtf8(e.what());
        if (e.kind() != storage::StorageError::Kind::ReadOnly) return result;
    } catch (const std::exception& e) {
        result.error = QString::fromUtf8(e.what());
        return result;
    }
    // Read-only: the writer can still read, search and export it.
    try {
        storage::OpenOptions viewOnly;
        viewOnly.mode = storage::OpenMode::ReadOnly;
        result.project = storage::Project::open(toStd(path), viewOnly);
        result.readOnlyReason = result.error;
        result.error.clear();
    } catch (const std::exception&) {
        // Keep the first message: it says why editing failed, which is what to fix.
    }
    return result;
}

ProjectResult createProjectFile(const QString& path) {
    ProjectResult result;
    try {
        result.project =
            storage::createStandardProject(toStd(path), toStd(QFileInfo(path).completeBaseName()));
    } catch (const std::exception& e) {
        result.error = QString::fromUtf8(e.what());
    }
    return result;
}

QString sampleProjectPath() {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return QDir(dir).filePath(QStringLiteral("Sample Novel") +
                              QString::fromLatin1(storage::kProjectSuffix));
}

QString startupProjectPath(const QString& commandLinePath, const Settings& settings,
                           QString* error) {
    if (!commandLinePath.isEmpty()) return QFileInfo(commandLinePath).absoluteFilePath();
    const QString last = settings.lastProject();
    if (!last.isEmpty() && QFileInfo::exists(last)) return last;

    const QString sample = sampleProjectPath();
    if (QFileInfo::exists(sample)) return sample;
    if (!QDir().mkpath(QFileInfo(sample).absolutePath())) {
        if (error)
            *error = QObject::tr("Cannot create the folder %1 for the sample project. Check that "
                                 "you may write there, or open a project of your own.")
                         .arg(QFileInfo(sample).absolutePath());
        return {};
    }
    try {
        storage::createSampleProject(toStd(sample)); // closed again when the pointer goes
    } catch (const std::exception& e) {
        if (error) *error = QString::fromUtf8(e.what());
        return {};
    }
    return sample;
}

QString withProjectSuffix(const QString& path) {
    const QString suffix = QString::fromLatin1(storage::kProjectSuffix);
    return path.endsWith(suffix, Qt::CaseInsensitive) ? path : path + suffix;
}

} // namespace fabulist::ui
