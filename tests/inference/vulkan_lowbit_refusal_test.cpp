// The Vulkan backend has no shaders for Q2_K, Q3_K, IQ4_NL, IQ4_XS and MXFP4 yet: loading such a
// model on it must fail at load with a message that names the type and the way out (--device
// cpu), never crash or compute garbage. (The CPU backend runs them: parity_lowbit_quant_test.)
// The backend's refusal at the weight upload reaches the caller as an EngineError naming the
// file and the tensor.

#include "inference/engine/engine.h"
#include "inference/engine_error.h"

#include <QDir>
#include <QtTest>

using namespace fabulist::inference;

class VulkanLowbitRefusalTest : public QObject {
    Q_OBJECT
private slots:
    void refusedAtLoad_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("type");
        QTest::newRow("q2_k") << "tiny-moe-q2_k"
                              << "Q2_K";
        QTest::newRow("q3_k_m") << "tiny-moe-q3_k_m"
                                << "Q3_K";
        QTest::newRow("iq4_nl") << "tiny-moe-iq4_nl"
                                << "IQ4_NL";
        QTest::newRow("iq4_xs") << "tiny-moe-iq4_xs"
                                << "IQ4_XS";
        QTest::newRow("mxfp4_moe") << "tiny-moe-mxfp4_moe"
                                   << "MXFP4";
    }

    void refusedAtLoad() {
#ifndef FABULIST_HAVE_VULKAN
        QSKIP("this build has no Vulkan backend");
#else
        QFETCH(QString, file);
        QFETCH(QString, type);
        const QString dir = qEnvironmentVariable("FABULIST_REFERENCE_NEXT_DIR");
        QVERIFY2(QDir(dir + "/models").exists(), "set FABULIST_REFERENCE_NEXT_DIR");
        qputenv("FABULIST_VULKAN_ALLOW_CPU", "1"); // lavapipe counts as a device here
        EngineOptions o;
        o.modelPath = (dir + "/models/" + file + ".gguf").toStdString();
        o.device = "vulkan";
        QString msg;
        try {
            Engine::load(o);
        } catch (const EngineError& e) {
            msg = e.what();
        }
        qInfo("%s", qPrintable(msg));
        if (msg.contains("no Vulkan device")) QSKIP(qPrintable(msg));
        QVERIFY2(msg.contains("weight type " + type), qPrintable(msg));
        QVERIFY2(msg.contains(file + ".gguf: tensor '"), qPrintable(msg));
        QVERIFY2(msg.contains("--device cpu"), qPrintable(msg));
#endif
    }
};

QTEST_GUILESS_MAIN(VulkanLowbitRefusalTest)
#include "vulkan_lowbit_refusal_test.moc"
