// The diversity-head trainer: FACE token weights from their formula, the closed-form gradient
// against central finite differences, and a short real training run on tiny-moe-f32 (text:
// the reference perplexity passage plus a few paragraphs written here) that must lower the
// held-out FACE loss and be deterministic for a seed and thread count.

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/gguf/gguf_file.h"
#include "inference/head_training/head_trainer.h"
#include "inference/tokenizer/tokenizer.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <cstring>
#include <random>

using namespace fabulist::inference;

namespace {

QString referenceDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}

const char* kExtraText =
    " The keeper's log for that winter records forty nights of fog. On each of them the lamp "
    "was lit before sunset and trimmed at midnight, and on each of them the keeper wrote the "
    "same three words: light kept burning. In the spring a schooner came in with a cargo of "
    "oil and glass, and the keeper's daughter rowed out to meet it. She had learned the harbor "
    "from her father, the rocks and the currents and the places where the sand moved after a "
    "storm. The captain asked her how she knew the way in the dark, and she said that she "
    "did not need to know it: she only needed to see the light. Years later, when the lamp was "
    "replaced by an electric one, she kept the old brass burner on her kitchen shelf, and she "
    "polished it every evening, as if a ship were still waiting for it somewhere in the fog.";

} // namespace

class HeadsTrainerTest : public QObject {
    Q_OBJECT

private slots:
    void faceWeightsFollowTheirFormula() {
        // Counts 3, 1, 0 with γ = 1: raw weights 1/4, 1/2, 1; their mean over the four targets
        // is (3/4 + 1/2)/4 = 0.3125, so the weights are 0.8, 1.6, 3.2.
        const std::vector<int32_t> targets = {0, 0, 1, 0};
        const std::vector<float> w = faceTokenWeights(targets, 3, 1.0);
        QCOMPARE(w.size(), size_t(3));
        QVERIFY(std::abs(w[0] - 0.8f) < 1e-6f);
        QVERIFY(std::abs(w[1] - 1.6f) < 1e-6f);
        QVERIFY(std::abs(w[2] - 3.2f) < 1e-6f);
        // γ = 0 is plain cross-entropy.
        for (float x : faceTokenWeights(targets, 3, 0.0)) QCOMPARE(x, 1.0f);
    }

    void gradientMatchesFiniteDifferences() {
        const int d = 6, v = 11, r = 3, n = 5;
        std::mt19937 rng(3);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        HeadTrainingData data;
        data.nEmbd = d;
        data.nVocab = v;
        for (int i = 0; i < n * d; ++i) data.hidden.push_back(normal(rng));
        for (int i = 0; i < n * v; ++i) data.logits.push_back(2.0f * normal(rng));
        data.targets = {3, 7, 3, 0, 10};
        HeadAdapterBase base;
        base.architecture = "test";
        base.nEmbd = d;
        base.nVocab = v;
        HeadAdapter head(base, r);
        for (float& x : head.a()) x = 0.5f * normal(rng);
        for (float& x : head.bMatrix()) x = 0.5f * normal(rng);
        for (float& x : head.bias()) x = 0.5f * normal(rng);
        const std::vector<float> w = faceTokenWeights(data.targets, v, 0.7);
        const std::vector<uint32_t> positions = {0, 1, 2, 3, 4, 2}; // a repeat is allowed
        HeadLossScratch scratch(r, v);
        HeadGradient grad;
        grad.resize(r, d, v);
        const double scale = 1.0 / double(positions.size());
        faceLoss(head, data, positions, w, scale, &grad, scratch);

        auto check = [&](std::vector<float>& params, const std::vector<float>& analytic,
                         const char* name) {
            for (size_t i = 0; i < params.size(); ++i) {
                const float keep = params[i];
                const float eps = 1e-2f;
                params[i] = keep + eps;
                const double up = faceLoss(head, data, positions, w, 0.0, nullptr, scratch);
                params[i] = keep - eps;
                const double down = faceLoss(head, data, positions, w, 0.0, nullptr, scratch);
                params[i] = keep;
                const double numeric = (up - down) / (2.0 * eps) * scale;
                QVERIFY2(std::abs(numeric - analytic[i]) < 2e-3 + 1e-2 * std::abs(numeric),
                         qPrintable(QString("%1[%2]: analytic %3, numeric %4")
                                        .arg(name)
                                        .arg(i)
                                        .arg(analytic[i])
                                        .arg(numeric)));
            }
        };
        check(head.a(), grad.a, "A");
        check(head.bMatrix(), grad.bMatrix, "B");
        check(head.bias(), grad.bias, "b");
    }

    void trainingLowersHeldOutLossDeterministically() {
        QFile json(referenceDir() + "/tiny-moe-f32.json");
        if (!json.open(QIODevice::ReadOnly))
            QFAIL("reference data not found: set FABULIST_REFERENCE_DIR to shared/reference");
        const QString text = QJsonDocument::fromJson(json.readAll())
                                 .object()["perplexity"]
                                 .toObject()["text"]
                                 .toString();
        QVERIFY(text.size() > 500);
        EngineOptions o;
        o.modelPath = (referenceDir() + "/models/tiny-moe-f32.gguf").toStdString();
        o.threads = 2;
        o.contextLength = 128;
        o.kvCacheType = GgmlType::F32;
        auto engine = Engine::load(o);
        const std::vector<int32_t> tokens =
            engine->tokenizer().encode(text.toStdString() + kExtraText, true, false);
        QVERIFY(tokens.size() > 300);
        const size_t split = tokens.size() * 4 / 5;

        HeadTrainerOptions opt;
        opt.rank = 8;
        opt.steps = 200;
        opt.batchSize = 32;
        opt.learningRate = 1e-3;
        opt.gamma = 0.5;
        opt.threads = 2;
        opt.chunkLength = 64;
        opt.evalEvery = 20;
        opt.seed = 11;
        auto session = engine->createSession();
        const HeadTrainingData train = collectHeadTrainingData(
            *session, std::span<const int32_t>(tokens).subspan(0, split), opt);
        const HeadTrainingData heldOut =
            collectHeadTrainingData(*session, std::span<const int32_t>(tokens).subspan(split), opt);
        QVERIFY(train.size() > 200);
        QVERIFY(heldOut.size() > 40);
        // The cache holds what the model computes: its logits at a position, evaluated alone.
        session->evaluate(std::span<const int32_t>(tokens).subspan(0, 9));
        for (int i = 0; i < 4096; i += 97)
            QCOMPARE(train.logitsAt(8)[i], session->logits()[size_t(i)]);
        QCOMPARE(train.targets[8], tokens[9]);

        const HeadAdapterBase base = HeadAdapterBase::fromModel(engine->file());
        const HeadAdapter head = trainHeadAdapter(base, train, heldOut, opt);
        const HeadTrainingInfo& info = head.training();
        // Independently recomputed: the untouched model's held-out loss (Δz = 0).
        const std::vector<float> w = faceTokenWeights(train.targets, base.nVocab, opt.gamma);
        const HeadAdapter zero(base, opt.rank);
        QCOMPARE(info.heldOutLossBefore, meanFaceLoss(zero, heldOut, w, 1));
        QCOMPARE(meanFaceLoss(head, heldOut, w, 2), info.heldOutLossAfter);
        qInfo("held-out FACE loss %.4f -> %.4f, train %.4f", info.heldOutLossBefore,
              info.heldOutLossAfter, info.trainLoss);
        QVERIFY(info.heldOutLossAfter < info.heldOutLossBefore - 0.1);
        QVERIFY(info.bestStep > 0);

        const HeadAdapter again = trainHeadAdapter(base, train, heldOut, opt);
        QCOMPARE(again.a(), head.a());
        QCOMPARE(again.bMatrix(), head.bMatrix());
        QCOMPARE(again.bias(), head.bias());

        // The same positions cached on disk (memory budget 0) hold the same values and train
        // to the same adapter.
        HeadTrainerOptions onDisk = opt;
        onDisk.maxMemoryBytes = 0;
        const HeadTrainingData diskTrain = collectHeadTrainingData(
            *session, std::span<const int32_t>(tokens).subspan(0, split), onDisk);
        QVERIFY(diskTrain.records != nullptr);
        QVERIFY(diskTrain.hidden.empty());
        QCOMPARE(diskTrain.size(), train.size());
        QCOMPARE(diskTrain.targets, train.targets);
        for (size_t i = 0; i < train.size(); i += 7) {
            QVERIFY(std::memcmp(diskTrain.hiddenAt(i), train.hiddenAt(i),
                                size_t(train.nEmbd) * 4) == 0);
            QVERIFY(std::memcmp(diskTrain.logitsAt(i), train.logitsAt(i),
                                size_t(train.nVocab) * 4) == 0);
        }
        const HeadAdapter fromDisk = trainHeadAdapter(base, diskTrain, heldOut, opt);
        QCOMPARE(fromDisk.bMatrix(), head.bMatrix());
        QCOMPARE(fromDisk.bias(), head.bias());

        // A cache over the total limit is refused with the size it needs.
        HeadTrainerOptions tooSmall = opt;
        tooSmall.maxCacheBytes = 1 << 20;
        QVERIFY_THROWS_EXCEPTION(EngineError, collectHeadTrainingData(*session, tokens, tooSmall));
    }
};

QTEST_GUILESS_MAIN(HeadsTrainerTest)
#include "heads_trainer_test.moc"
