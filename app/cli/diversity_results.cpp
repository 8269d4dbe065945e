#include "app/cli/diversity_results.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace fabulist::cli {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error(path + ": " + what +
                             "; give the file written by fabulist-cli eval-diversity --json");
}

double number(const std::string& path, const QJsonObject& o, const char* key,
              const std::string& where) {
    const QJsonValue v = o.value(key);
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        fail(path, where + "\"" + key + "\" is " + (v.isUndefined() ? "missing" : "not a number"));
    return v.toDouble();
}

} // namespace

DiversityPlot readDiversityResults(const std::string& path) {
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot read the results file '" + path +
                                 "': " + file.errorString().toStdString() + "; check the path");
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        fail(path, "not valid JSON (" + error.errorString().toStdString() + " at byte " +
                       std::to_string(error.offset) + ")");
    if (!doc.isObject()) fail(path, "the top level is not a JSON object");
    const QJsonObject top = doc.object();
    const QJsonValue settings = top.value("settings");
    if (!settings.isArray() || settings.toArray().isEmpty())
        fail(path, "\"settings\" is missing, not an array or empty");

    auto optionalString = [&](const char* key) {
        const QJsonValue v = top.value(key);
        if (v.isUndefined() || v.isNull()) return std::string();
        if (!v.isString()) fail(path, std::string("\"") + key + "\" is not a string");
        return v.toString().toStdString();
    };
    const std::string model = optionalString("model"), adapter = optionalString("adapter");
    std::string base = optionalString("base");
    if (base.empty()) base = "plain"; // results written before --base existed
    if (base != "plain" && base != "llama")
        fail(path, "\"base\" is '" + base + "', not \"plain\" or \"llama\"");
    const auto count = [&](const char* key) {
        const double v = number(path, top, key, "");
        if (v < 0 || v != std::floor(v))
            fail(path, std::string("\"") + key + "\" is not a non-negative integer");
        return long(v);
    };
    DiversityPlot plot = diversityPlotHeader(model, adapter, count("prompts"), count("samples"),
                                             count("length"), count("seed"), base);
    if (model.empty())
        plot.title = "Diversity vs. coherence (" + QFileInfo(file).fileName().toStdString() + ")";

    const std::vector<std::string>& known = diversityPlotMethods();
    const QJsonArray array = settings.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const std::string where = "settings[" + std::to_string(i) + "]: ";
        if (!array[i].isObject()) fail(path, where + "not an object");
        const QJsonObject s = array[i].toObject();
        DiversityPoint pt;
        if (!s.value("method").isString())
            fail(path, where + "\"method\" is missing or not a string");
        pt.method = s.value("method").toString().toStdString();
        if (std::find(known.begin(), known.end(), pt.method) == known.end())
            fail(path, where + "unknown method '" + pt.method +
                           "' (known: alpha, temperature, min_p, xtc)");
        pt.value = number(path, s, "value", where);
        pt.distinct2 = number(path, s, "distinct_2", where);
        pt.perplexity = number(path, s, "perplexity", where);
        // Optional (newer results): the words panel.
        if (s.contains("word_distinct_2") && s.contains("non_word_rate")) {
            pt.wordDistinct2 = number(path, s, "word_distinct_2", where);
            pt.nonWordRate = number(path, s, "non_word_rate", where);
        }
        if (pt.distinct2 < 0.0 || pt.distinct2 > 1.0)
            fail(path,
                 where + "\"distinct_2\" " + std::to_string(pt.distinct2) + " is outside [0, 1]");
        if (pt.perplexity < 1.0)
            fail(path, where + "\"perplexity\" " + std::to_string(pt.perplexity) +
                           " is below 1, which no perplexity can be");
        plot.points.push_back(pt);
    }
    return plot;
}

} // namespace fabulist::cli
