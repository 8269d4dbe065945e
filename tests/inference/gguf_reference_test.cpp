// Our GGUF reader against the llama.cpp reference models: every KV (type, scalar value, array
// element type and length) and every tensor (name, type, ne, byte size, absolute data offset)
// must equal the `gguf` object that gguf-py wrote into the matching tiny-*.json.

#include "inference/gguf/gguf_file.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace fabulist::inference;

namespace {

QString referenceDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}

QJsonObject loadJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class GgufReferenceTest : public QObject {
    Q_OBJECT
private slots:
    void referenceDirExists();
    void modelsMatchJson_data();
    void modelsMatchJson();
};

void GgufReferenceTest::referenceDirExists() {
    const QString dir = referenceDir();
    QVERIFY2(!dir.isEmpty(), "FABULIST_REFERENCE_DIR is not set (CTest sets it; run via ctest)");
    QVERIFY2(QDir(dir + "/models").exists(),
             qPrintable("reference models missing: " + dir +
                        "/models does not exist; set FABULIST_REFERENCE_DIR to the directory "
                        "holding the llama.cpp reference data"));
}

void GgufReferenceTest::modelsMatchJson_data() {
    QTest::addColumn<QString>("model");
    const QStringList models =
        QDir(referenceDir() + "/models").entryList({"*.gguf"}, QDir::Files, QDir::Name);
    if (models.isEmpty()) {
        QTest::newRow("no-models") << QString();
        return;
    }
    for (const QString& m : models) QTest::newRow(qPrintable(m)) << m;
}

void GgufReferenceTest::modelsMatchJson() {
    QFETCH(QString, model);
    QVERIFY2(!model.isEmpty(), qPrintable("no *.gguf in " + referenceDir() + "/models"));
    const QString base = model.chopped(5);
    const QJsonObject json = loadJson(referenceDir() + "/" + base + ".json");
    QVERIFY2(json.contains("gguf"), qPrintable("cannot read reference JSON for " + model));
    const QJsonObject g = json["gguf"].toObject();

    auto file = GgufFile::open((referenceDir() + "/models/" + model).toStdString());
    const QJsonObject header = g["header"].toObject();
    QCOMPARE(int(file->version()), header["version"].toInt());
    QCOMPARE(qint64(file->tensors().size()), qint64(header["tensor_count"].toDouble()));
    QCOMPARE(qint64(file->keys().size()), qint64(header["kv_count"].toDouble()));
    QCOMPARE(qint64(file->alignment()), qint64(g["alignment"].toInt()));

    const QJsonObject kv = g["kv"].toObject();
    QCOMPARE(qsizetype(kv.size()), qsizetype(file->keys().size()));
    for (auto it = kv.begin(); it != kv.end(); ++it) {
        const std::string key = it.key().toStdString();
        const QJsonObject v = it.value().toObject();
        const QString type = v["type"].toString();
        QVERIFY2(file->has(key), qPrintable("missing key " + it.key()));
        const GgufValueType t = *file->typeOf(key);
        if (type.startsWith("ARRAY[")) {
            QCOMPARE(t, GgufValueType::Array);
            QCOMPARE(
                QString("ARRAY[%1]").arg(ggufValueTypeName(file->arrayElementType(key)).data()),
                type);
            QCOMPARE(qint64(file->arrayLength(key)), qint64(v["length"].toDouble()));
            continue;
        }
        QCOMPARE(QString(ggufValueTypeName(t).data()), type);
        const QJsonValue value = v["value"];
        switch (t) {
        case GgufValueType::String:
            QCOMPARE(QString::fromStdString(file->getString(key)), value.toString());
            break;
        case GgufValueType::Bool:
            QCOMPARE(file->getBool(key), value.toBool());
            break;
        case GgufValueType::F32:
        case GgufValueType::F64:
            QCOMPARE(float(file->getFloat(key)), float(value.toDouble()));
            break;
        default:
            QCOMPARE(file->getInt(key), qint64(value.toDouble()));
        }
    }

    const QJsonArray tensors = g["tensors"].toArray();
    QCOMPARE(qsizetype(tensors.size()), qsizetype(file->tensors().size()));
    for (const QJsonValue& tv : tensors) {
        const QJsonObject o = tv.toObject();
        const std::string name = o["name"].toString().toStdString();
        const GgufTensorInfo* t = file->findTensor(name);
        QVERIFY2(t, name.c_str());
        QCOMPARE(QString(ggmlTypeTraits(t->type).name.data()), o["type"].toString());
        const QJsonArray ne = o["ne"].toArray();
        QCOMPARE(qsizetype(t->nDims), ne.size());
        for (int d = 0; d < 4; ++d)
            QCOMPARE(qint64(t->ne[d]), d < ne.size() ? qint64(ne[d].toDouble()) : qint64(1));
        QCOMPARE(qint64(t->nbytes), qint64(o["n_bytes"].toDouble()));
        QCOMPARE(qint64(t->data - file->mappedData()), qint64(o["data_offset"].toDouble()));
        QCOMPARE(qint64(file->dataOffset() + t->offset), qint64(o["data_offset"].toDouble()));
    }
}

QTEST_GUILESS_MAIN(GgufReferenceTest)
#include "gguf_reference_test.moc"
