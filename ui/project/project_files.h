#pragma once
// Opening and creating project files for the GUI, and choosing the project a start opens:
// the one named on the command line, else the last one, else the sample novel (created on the
// first start in QStandardPaths::AppDataLocation). Errors come back as the storage message,
// which names the file and says what to do.
#include "ui/settings.h"

#include <QString>
#include <QStringList>
#include <memory>

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

struct ProjectResult {
    std::unique_ptr<storage::Project> project; // null on failure
    QString error;                             // the message to show on failure
    // Opened for viewing only: why it could not be opened for editing (the file or its folder is
    // read-only, a network file system); empty for a normal open.
    QString readOnlyReason;
};

// Opens for editing; a project that can only be read (see readOnlyReason) opens for viewing.
ProjectResult openProjectFile(const QString& path);
// A new project with the standard folders; refuses to overwrite an existing file.
ProjectResult createProjectFile(const QString& path);

// Where the sample novel lives: <AppDataLocation>/Sample Novel.fabulist.
QString sampleProjectPath();

// The project this start should open; creates the sample project when needed. Returns an empty
// path and sets *error when even the sample cannot be created.
QString startupProjectPath(const QString& commandLinePath, const Settings& settings,
                           QString* error);

// Adds ".fabulist" when the writer typed a name without it.
QString withProjectSuffix(const QString& path);

} // namespace fabulist::ui
