#include "ui/models/experts_measure.h"

#include "inference/engine/session.h"
#include "inference/eval/perplexity.h"
#include "inference/tokenizer/tokenizer.h"
#include "storage/sample_project.h"
#include "ui/generate/engine_on_device.h"

#include <QStringList>
#include <algorithm>
#include <chrono>
#include <exception>

namespace fabulist::ui {

namespace {
constexpr int kChunk = 128;       // tokens per perplexity chunk (the second half is scored)
constexpr int kChunks = 3;        // a few hundred tokens in all
constexpr int kDecodeTokens = 32; // decode steps timed
} // namespace

QString measurementText() {
    const std::string_view source = storage::sampleProjectSource();
    const QStringList lines =
        QString::fromUtf8(source.data(), qsizetype(source.size())).split(QLatin1Char('\n'));
    QStringList prose;
    bool started = false; // everything before the first '@' line is the format's comment
    for (const QString& line : lines) {
        if (line.startsWith(QLatin1Char('@'))) {
            started = true;
            continue;
        }
        if (started && !line.trimmed().isEmpty()) prose << line.trimmed();
    }
    return prose.join(QLatin1Char('\n'));
}

ExpertsMeasurement measureExperts(const QString& modelPath, const ModelSettings& settings,
                                  int experts, QString* error) {
    try {
        ModelSettings measured = settings;
        measured.expertsUsed = experts;
        measured.contextLength = kChunk * 2;
        inference::EngineOptions options = engineOptionsFor(modelPath, measured);
        options.device = "cpu";
        const auto engine = inference::Engine::load(options);
        const inference::Tokenizer& tokenizer = engine->tokenizer();
        const QByteArray text = measurementText().toUtf8();
        const std::vector<int32_t> tokens =
            tokenizer.encode(std::string_view(text.constData(), size_t(text.size())), true, false);
        auto session = engine->createSession();
        inference::PerplexityOptions ppl;
        ppl.nCtx = kChunk;
        ppl.chunks = kChunks;
        const inference::PerplexityResult r =
            inference::chunkedPerplexity(*session, tokenizer, tokens, ppl);

        // Decode speed: one token at a time after a short prompt, as writing runs.
        session->clear();
        session->evaluate(std::span(tokens).first(kChunk / 4));
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < kDecodeTokens; ++i)
            session->appendToken(tokens[size_t(kChunk / 4 + i)]);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

        ExpertsMeasurement m;
        m.experts = engine->info().nExpertUsed;
        m.perplexity = r.perplexity;
        m.tokensPerSecond = seconds > 0.0 ? kDecodeTokens / seconds : 0.0;
        m.scoredTokens = int(r.scoredTokens);
        m.device = QString::fromStdString(engine->info().device);
        return m;
    } catch (const std::exception& e) {
        *error = QString::fromUtf8(e.what());
        return {};
    }
}

} // namespace fabulist::ui
