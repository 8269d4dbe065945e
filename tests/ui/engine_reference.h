#pragma once
// The text the engine itself writes for a prompt and settings, through the inference API only:
// the expected value the GUI path (InferenceWorker, GeneratePanel) is checked against.
#include "inference/engine/default_model.h"
#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/heads/head_adapter.h"
#include "inference/tokenizer/tokenizer.h"
#include "ui/generate/inference_worker.h"

#include <QString>

namespace fabulist::test {

struct EngineContinuation {
    QString text;
    int promptTokens = 0;
    int generatedTokens = 0;
    QString stopReason; // inference::stopReasonName
};

// The default model with its diversity head at `alpha` (no head when alpha is 0).
inline EngineContinuation engineContinuation(const QString& prompt, int maxTokens,
                                             float temperature, uint32_t seed, float alpha) {
    inference::EngineOptions options;
    options.modelPath = inference::defaultModelPath();
    auto engine = inference::Engine::load(options);
    inference::HeadAdapter adapter;
    inference::GenerationParams params;
    if (alpha > 0.0f) {
        adapter = inference::HeadAdapter::load(
            ui::InferenceWorker::adapterPathFor(QString::fromStdString(options.modelPath))
                .toStdString(),
            engine->file());
        params.adapter = &adapter;
        params.alpha = alpha;
    }
    auto session = engine->createSession();
    const QByteArray utf8 = prompt.toUtf8();
    const std::vector<int32_t> ids = engine->tokenizer().encode(
        std::string_view(utf8.constData(), size_t(utf8.size())), true, false);
    params.maxTokens = maxTokens;
    params.sampler.temperature = temperature;
    params.sampler.seed = seed;
    inference::Generator generator(*session, engine->tokenizer());
    const inference::GenerationResult result = generator.run(ids, params);
    return {QString::fromStdString(result.text), int(ids.size()), int(result.ids.size()),
            QString::fromLatin1(inference::stopReasonName(result.stopReason))};
}

} // namespace fabulist::test
