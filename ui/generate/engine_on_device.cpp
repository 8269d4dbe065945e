#include "ui/generate/engine_on_device.h"

#include "inference/backend/backend_choice.h"

#include <QObject>
#include <exception>

namespace fabulist::ui {

namespace {

inference::GgmlType kvTypeFrom(const QString& name) {
    if (name == QLatin1String("f32")) return inference::GgmlType::F32;
    if (name == QLatin1String("q8_0")) return inference::GgmlType::Q8_0;
    return inference::GgmlType::F16;
}

// The name the backend reports for its device ("device" line of describeDevice).
QString describedName(const inference::Engine& engine) {
    for (const auto& [key, value] : engine.describeDevice())
        if (key == "device") return QString::fromStdString(value);
    return {};
}

// An engine message is long ("…; the engine falls back to the CPU (--device cpu)"); the label
// keeps what went wrong.
QString shortReason(const QString& message) {
    QString reason = message.section(QLatin1Char(';'), 0, 0).trimmed();
    for (const QLatin1String prefix : {QLatin1String("Vulkan: "), QLatin1String("CUDA: ")})
        if (reason.startsWith(prefix)) reason = reason.mid(prefix.size());
    return reason;
}

// How the label names a GPU backend's device kind.
QString gpuKind(const std::string& device) {
    return device == "cuda" ? QStringLiteral("CUDA") : QStringLiteral("Vulkan");
}

} // namespace

inference::EngineOptions engineOptionsFor(const QString& modelPath, const ModelSettings& settings) {
    inference::EngineOptions options;
    options.modelPath = modelPath.toStdString();
    options.contextLength = settings.contextLength;
    options.expertsUsed = settings.expertsUsed;
    options.threads = settings.threads;
    options.kvCacheType = kvTypeFrom(settings.kvType);
    return options;
}

EngineOnDevice loadOnCpuAfterFailure(inference::EngineOptions options, const QString& reason) {
    const QString kind = gpuKind(options.device);
    options.device = "cpu";
    options.allowCpuDevice = false;
    EngineOnDevice out;
    out.engine = inference::Engine::load(options);
    out.device = QStringLiteral("CPU");
    out.deviceDetail = QObject::tr("%1 failed: %2").arg(kind, shortReason(reason));
    out.notice = QObject::tr("%1 could not run the model (%2); it runs on the CPU instead. "
                             "Choose the CPU in Model Settings to skip %1 next time.")
                     .arg(kind, shortReason(reason));
    return out;
}

EngineOnDevice loadOnChosenDevice(inference::EngineOptions options,
                                  inference::BackendPreference preference,
                                  const std::atomic<bool>* shuttingDown) {
    const inference::BackendChoice choice =
        preference == inference::BackendPreference::Cpu
            ? inference::chooseBackend(preference, {})
            : inference::chooseBackend(preference, inference::listComputeDevices());
    options.device = choice.device;
    options.allowCpuDevice = choice.allowCpuDevice;
    if (choice.device == "cpu") {
        EngineOnDevice out;
        out.engine = inference::Engine::load(options);
        out.device = QStringLiteral("CPU");
        out.deviceDetail = QString::fromStdString(choice.reason);
        return out;
    }
    try {
        EngineOnDevice out;
        out.engine = inference::Engine::load(options);
        out.device = gpuKind(choice.device);
        out.deviceDetail = describedName(*out.engine);
        return out;
    } catch (const std::exception& e) {
        if (shuttingDown && shuttingDown->load()) throw;
        return loadOnCpuAfterFailure(options, QString::fromUtf8(e.what()));
    }
}

QString deviceLabel(const QString& device, const QString& detail) {
    return detail.isEmpty() ? device : device + QStringLiteral(" \u00B7 ") + detail;
}

} // namespace fabulist::ui
