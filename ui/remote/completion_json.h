#pragma once
// The JSON of the OpenAI-compatible completions API: the request body for each server kind,
// the streamed chunks, and the error bodies servers send.
#include "ui/remote/remote_types.h"

#include <QByteArray>
#include <QJsonObject>

namespace fabulist::remote {

struct RequestBody {
    QJsonObject json;
    QStringList honoured, unconfirmed;
};
RequestBody completionBody(const CompletionParams& params, const QString& model, ServerKind kind,
                           bool stream);

// One chunk (or a whole non-streamed reply) applied to `into`: the text of each choice is
// appended, finish reasons and the model name are taken. False with `error` set when the
// chunk is not JSON, or is an error object (servers report mid-stream failures that way).
bool applyChunk(const QByteArray& json, Completion& into, QString* error);

// The message inside an error body ({"error": {"message": ...}} or {"error": "..."}, or
// {"message": ...}, {"detail": ...}); the body's start when it is not JSON.
QString errorBodyMessage(const QByteArray& body);

} // namespace fabulist::remote
