#pragma once
// Loading an Engine on the device a model's settings choose (inference/backend/backend_choice.h),
// and handing it to the CPU when the GPU fails: the writer keeps writing, and the label says
// which device runs the model and why. Runs on the inference thread.
#include "inference/engine/engine.h"
#include "ui/models/model_settings.h"

#include <QString>
#include <atomic>
#include <memory>

namespace fabulist::ui {

struct EngineOnDevice {
    std::unique_ptr<inference::Engine> engine;
    QString device;       // "CPU", "Vulkan"
    QString deviceDetail; // the GPU's name, or why the CPU runs it
    QString notice;       // set when the GPU failed and the CPU took over
};

// The engine options a model's settings give (everything but the device).
inference::EngineOptions engineOptionsFor(const QString& modelPath, const ModelSettings& settings);

// Loads on the chosen device; when that is a GPU and it fails, loads on the CPU and says why.
// Errors of the CPU load (or of a cancelled load) are thrown as they come.
EngineOnDevice loadOnChosenDevice(inference::EngineOptions options,
                                  inference::BackendPreference preference,
                                  const std::atomic<bool>* shuttingDown);

// Loads on the CPU after the GPU failed with `reason` (a GPU failing mid-generation).
EngineOnDevice loadOnCpuAfterFailure(inference::EngineOptions options, const QString& reason);

// "CPU · no GPU found", "Vulkan · NVIDIA GeForce RTX 4070".
QString deviceLabel(const QString& device, const QString& detail);

} // namespace fabulist::ui
