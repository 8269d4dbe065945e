#pragma once
// A GGUF model on this machine as the Models dialog lists it: what it is (from its metadata, no
// weights read), whether the engine can run it, and what running it takes (model_fit.h).
#include "inference/engine/model_fit.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace fabulist::ui {

struct InstalledModel {
    QString path;
    QString name; // general.name, else the file name
    QString architecture;
    qint64 parameters = 0;
    qint64 activeParameters = 0;
    QString typeMix; // "Q4_K 61 %, Q6_K 37 %, F32 2 %" (share of the weight bytes)
    quint64 fileBytes = 0;
    int contextLength = 0; // trained
    int expertCount = 0, expertsUsed = 0; // MoE: experts per layer, per token (GGUF); 0 dense
    bool hasHead = false;  // a diversity head (<model>.head.gguf) beside it
    QString problem;       // why it cannot be used (unreadable, unsupported); empty when fine
    inference::ModelFootprint footprint; // at the working context
};

// Reads `path`'s metadata; problems land in InstalledModel::problem, never thrown.
InstalledModel describeInstalledModel(const QString& path);

// The *.gguf models in `folder` (not heads or other adapters), then `extra` (the default model,
// the one in use) when not in it, without duplicates; sorted by name within the folder.
QStringList installedModelPaths(const QString& folder, const QStringList& extra);

// "30.5 B" / "812 M".
QString formatParameters(double count);

} // namespace fabulist::ui
