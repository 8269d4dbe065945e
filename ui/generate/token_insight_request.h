#pragma once
// The plain values of a token-view request ("why this word?") on their way to the
// InferenceWorker's thread and back: which text to explain, and, per generated token, the top
// choices under the coherence head, the diversity head and the mix, as the engine's
// inspectTokens gives them (inference/engine/token_insight.h). Copies only.
#include "inference/engine/generator.h"
#include "inference/engine/token_insight.h"

#include <QByteArray>
#include <QHash>
#include <QMetaType>
#include <QString>
#include <cstdint>
#include <vector>

namespace fabulist::ui {

struct TokenInsightRequest {
    qint64 id = 0;  // assigned by the controller
    QString prompt; // tokenized as the worker tokenizes a prompt (BOS, no control tokens)
    // The generated ids when they are known (a generation of this session); empty: `text` is
    // tokenized instead (no BOS), which is all a recorded generation has.
    std::vector<int32_t> ids;
    QString text;
    float alpha = 0.0f;
    std::vector<inference::AlphaChange> alphaChanges;
    int topK = 10;
};

struct TokenInsights {
    qint64 requestId = 0;
    QString error; // empty when the numbers are there
    std::vector<int32_t> promptIds;
    std::vector<int32_t> ids; // the tokens explained, one per entry of `tokens`
    std::vector<inference::TokenInsight> tokens;
    bool hasHead = false; // the diversity head took part (else its column is empty)
    // The bytes every id above stands for (tokens, candidates), and for tokens that stand for
    // no text (control tokens) their vocabulary name.
    QHash<int32_t, QByteArray> bytes;
    QHash<int32_t, QString> names;
};

} // namespace fabulist::ui

Q_DECLARE_METATYPE(fabulist::ui::TokenInsightRequest)
Q_DECLARE_METATYPE(fabulist::ui::TokenInsights)
