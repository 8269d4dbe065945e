// Generate > Models… (#18 items 1, 2) on the real window: the catalog reader and its errors,
// the installed models (default, the models folder) with their numbers and SHA-256 computed off
// the GUI thread, the catalog's fit and speed, greyed entries with the engine's reason, Use with
// the keyboard through GenerationController, the Download slot; screenshots light and dark.
#include "generation_fixture.h"
#include "inference/engine/default_model.h"
#include "ui/generate/generation_controller.h"
#include "ui/main_window.h"
#include "ui/models/model_catalog.h"
#include "ui/models/models_dialog.h"
#include "ui/settings.h"
#include "ui/theme.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeWidget>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

QString sha256Of(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return QString::fromLatin1(hash.result().toHex());
}

QString referenceModel(const QString& name) {
    const QString dir = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
    const QString path = dir + QStringLiteral("/models/") + name;
    return !dir.isEmpty() && QFileInfo::exists(path) ? path : QString();
}

QTreeWidgetItem* rowNamed(QTreeWidget* list, const QString& prefix) {
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        if (list->topLevelItem(i)->text(0).startsWith(prefix)) return list->topLevelItem(i);
    return nullptr;
}

// A catalog entry as JSON with one field replaced (or removed when value is undefined).
QByteArray catalogWith(const char* key, const QJsonValue& value) {
    QJsonObject e{{"id", "good"},
                  {"name", "Good"},
                  {"architecture", "qwen3moe"},
                  {"quantization", "Q4_K_M"},
                  {"tensor_types", QJsonArray{"F32", "Q4_K", "Q6_K"}},
                  {"file_bytes", 1000000},
                  {"parameters", 3e9},
                  {"active_parameters", 1e9},
                  {"context_length", 4096},
                  {"kv_bytes_per_token", 1024},
                  {"url", "https://huggingface.co/a/b/resolve/main/c.gguf"},
                  {"sha256", ""},
                  {"license", "MIT"},
                  {"good_at", "tests"}};
    QJsonObject bad = e;
    bad["id"] = "broken";
    if (value.isUndefined())
        bad.remove(QLatin1String(key));
    else
        bad[QLatin1String(key)] = value;
    return QJsonDocument(QJsonObject{{"models", QJsonArray{e, bad}}}).toJson();
}

} // namespace

class ModelsDialogTest : public QObject {
    Q_OBJECT
private slots:
    void shippedCatalogReads();
    void malformedCatalogNamesTheEntry();
    void engineSaysWhatItCannotLoad();
    void dialogOnTheRealWindow();
};

void ModelsDialogTest::shippedCatalogReads() {
    const QString path = defaultCatalogPath();
    QVERIFY2(QFileInfo::exists(path), qPrintable(path));
    const QList<CatalogEntry> entries = readCatalog(path);
    QVERIFY(entries.size() >= 10);
    int loadable = 0;
    for (const CatalogEntry& e : entries) {
        QVERIFY2(e.url.host() == QLatin1String("huggingface.co") &&
                     e.url.path().contains(QLatin1String("/resolve/")) &&
                     e.url.path().endsWith(QLatin1String(".gguf")),
                 qPrintable(e.url.toString()));
        QVERIFY(e.activeParameters <= e.parameters && e.kvBytesPerToken > 0);
        if (catalogLoadProblem(e).isEmpty()) ++loadable;
    }
    QVERIFY(loadable >= 8); // most of the catalog runs today
}

void ModelsDialogTest::malformedCatalogNamesTheEntry() {
    struct Case {
        const char* key;
        QJsonValue value;
        const char* says;
    };
    const Case cases[] = {
        {"file_bytes", QJsonValue(QJsonValue::Undefined), "\"file_bytes\" must be a positive"},
        {"file_bytes", -5, "\"file_bytes\" must be a positive"},
        {"url", "http://example.com/x.gguf", "\"url\" must be an https URL"},
        {"sha256", "abc", "\"sha256\" must be 64 hex digits"},
        {"active_parameters", 9e9, "\"active_parameters\" exceeds"},
        {"tensor_types", "Q4_K", "\"tensor_types\" must be a list"},
        {"id", "good", "the id is used by an earlier entry"},
    };
    for (const Case& c : cases) {
        try {
            parseCatalog(catalogWith(c.key, c.value), QStringLiteral("catalog.json"));
            QFAIL(c.says);
        } catch (const CatalogError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.startsWith(QLatin1String("catalog.json: entry 2")),
                     qPrintable(message));
            QVERIFY2(message.contains(QLatin1String(c.says)), qPrintable(message));
            if (QLatin1String(c.key) != QLatin1String("id"))
                QVERIFY2(message.contains(QLatin1String("(\"broken\")")), qPrintable(message));
        }
    }
    try {
        parseCatalog("{\"models\": [", QStringLiteral("catalog.json"));
        QFAIL("broken JSON was accepted");
    } catch (const CatalogError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("not valid JSON")), e.what());
    }
}

void ModelsDialogTest::engineSaysWhatItCannotLoad() {
    CatalogEntry e;
    e.architecture = QStringLiteral("qwen3moe");
    e.tensorTypes = {QStringLiteral("Q4_K"), QStringLiteral("MXFP4")};
    QCOMPARE(catalogLoadProblem(e), QString());
    e.architecture = QStringLiteral("phi3");
    QVERIFY(catalogLoadProblem(e).contains(QLatin1String("phi3 architecture")));
    e.architecture = QStringLiteral("llama");
    e.tensorTypes << QStringLiteral("IQ2_XS");
    QVERIFY(catalogLoadProblem(e).contains(QLatin1String("IQ2_XS")));
    e.tensorTypes.removeLast();
    e.parts = 2;
    QVERIFY(catalogLoadProblem(e).contains(QLatin1String("split into 2 files")));
}

void ModelsDialogTest::dialogOnTheRealWindow() {
    const QString tiny = referenceModel(QStringLiteral("tiny-moe-q4_k_m.gguf"));
    if (tiny.isEmpty()) QSKIP("no reference models ($FABULIST_REFERENCE_DIR)");
    MainWindow window;
    int64_t scene = 0;
    const QString problem = test::openGenerationWindow(
        window, test::sandbox().filePath(QStringLiteral("models.fabulist")), scene);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    // A models folder with a copy of a reference model (and a head beside nothing).
    const QString folder = test::sandbox().filePath(QStringLiteral("my-models"));
    QVERIFY(QDir().mkpath(folder));
    const QString copy = QDir(folder).filePath(QStringLiteral("tiny-moe-q4_k_m.gguf"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(tiny, copy));

    // Generate > Models… through the menu.
    QMenu* generate = test::menuBarMenu(window, QStringLiteral("&Generate"));
    QVERIFY(generate);
    QAction* models = nullptr;
    for (QAction* a : generate->actions())
        if (a->text() == tr("&Models\u2026")) models = a;
    QVERIFY(models);
    QVERIFY(!models->shortcut().isEmpty());
    models->trigger();
    auto* dialog = window.findChild<ModelsDialog*>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QSignalSpy estimates(dialog, &ModelsDialog::estimatesReady);
    QSignalSpy hashes(dialog, &ModelsDialog::hashReady);
    dialog->setModelsFolder(folder);
    QCOMPARE(Settings().modelsFolder(), folder);
    QCOMPARE(dialog->folderEdit()->text(), QDir::toNativeSeparators(folder));

    // Installed: the default model (in use, with its head) and the copy in the folder.
    QTreeWidget* installed = dialog->installedList();
    QTRY_COMPARE(installed->topLevelItemCount(), 2);
    QTreeWidgetItem* tinyRow = rowNamed(installed, QStringLiteral("tiny-moe"));
    QVERIFY(tinyRow);
    QCOMPARE(tinyRow->text(ModelsDialog::IArch), QStringLiteral("llama"));
    QCOMPARE(tinyRow->text(ModelsDialog::IParams), QStringLiteral("6 M (3 M active)"));
    QVERIFY2(tinyRow->text(ModelsDialog::ITypes).startsWith(QLatin1String("Q4_K")),
             qPrintable(tinyRow->text(ModelsDialog::ITypes)));
    QCOMPARE(tinyRow->text(ModelsDialog::IContext), QStringLiteral("256"));
    QCOMPARE(tinyRow->text(ModelsDialog::IHead), tr("no"));
    QVERIFY2(tinyRow->text(ModelsDialog::IFit).startsWith(QLatin1String("fits: ")),
             qPrintable(tinyRow->text(ModelsDialog::IFit)));
    QTreeWidgetItem* defaultRow = nullptr;
    for (int i = 0; i < installed->topLevelItemCount(); ++i)
        if (installed->topLevelItem(i) != tinyRow) defaultRow = installed->topLevelItem(i);
    QVERIFY(defaultRow->text(ModelsDialog::IName).contains(tr("(default)")));
    QVERIFY(defaultRow->text(ModelsDialog::IName).contains(tr("(in use)")));
    QCOMPARE(defaultRow->text(ModelsDialog::IHead), tr("yes"));

    // SHA-256 off the GUI thread: equal to Qt's own hash of the file, and cached.
    QTRY_VERIFY_WITH_TIMEOUT(
        rowNamed(installed, QStringLiteral("tiny-moe"))->text(ModelsDialog::ISha).size() == 64,
        20000);
    QCOMPARE(rowNamed(installed, QStringLiteral("tiny-moe"))->text(ModelsDialog::ISha),
             sha256Of(copy));

    // Speed once the bandwidth is known; the catalog with fit, speed and greyed entries.
    if (!dialog->bandwidth()) QVERIFY(estimates.wait(30000));
    QVERIFY(dialog->bandwidth()->gbPerSecond > 0.1);
    QVERIFY(dialog->machineLabel()->text().contains(QLatin1String("GB/s")));
    QVERIFY(rowNamed(installed, QStringLiteral("tiny-moe"))
                ->text(ModelsDialog::ISpeed)
                .endsWith(tr("tokens/s")));
    QTreeWidget* catalog = dialog->catalogList();
    QCOMPARE(catalog->topLevelItemCount(), int(dialog->catalog().size()));
    QVERIFY(dialog->catalogError().isEmpty());
    QTreeWidgetItem* phi = rowNamed(catalog, QStringLiteral("Phi-4"));
    QVERIFY(phi);
    QVERIFY(phi->text(ModelsDialog::CFit).contains(QLatin1String("phi3 architecture")));
    QCOMPARE(phi->foreground(ModelsDialog::CName).color(),
             dialog->palette().color(QPalette::Disabled, QPalette::Text));
    QTreeWidgetItem* qwen = rowNamed(catalog, QStringLiteral("Qwen3 30B-A3B"));
    QVERIFY(qwen);
    const QString fit = qwen->text(ModelsDialog::CFit);
    QVERIFY2(fit.startsWith(QLatin1String("fits: ")) || fit.startsWith(QLatin1String("too big")),
             qPrintable(fit));
    QVERIFY(qwen->text(ModelsDialog::CSpeed).endsWith(tr("tokens/s")));
    QVERIFY(qwen->foreground(ModelsDialog::CName).color() !=
            dialog->palette().color(QPalette::Disabled, QPalette::Text));
    // The 30B-A3B reads a tenth of its file per token: faster than the dense 8B, whatever the
    // machine.
    const auto tokens = [](QTreeWidgetItem* row) {
        return row->text(ModelsDialog::CSpeed)
            .section(QLatin1Char('~'), 1)
            .section(' ', 0, 0)
            .toDouble();
    };
    QVERIFY(tokens(qwen) > tokens(rowNamed(catalog, QStringLiteral("Qwen3 8B"))));

    // Download: hooked in by the window's downloader — on for an entry the engine runs, off for
    // one it cannot (not clicked here: no test touches the internet).
    catalog->setCurrentItem(qwen);
    QVERIFY(dialog->downloadButton()->isEnabled());
    catalog->setCurrentItem(phi);
    QVERIFY(!dialog->downloadButton()->isEnabled());
    {
        // The bare slot: disabled until someone listens, then it hands over the entry.
        ModelsDialog bare(window.generationController());
        QVERIFY(!bare.downloadButton()->isEnabled());
        QSignalSpy download(&bare, &ModelsDialog::downloadRequested);
        bare.setDownloadEnabled(true);
        bare.catalogList()->setCurrentItem(
            rowNamed(bare.catalogList(), QStringLiteral("Qwen3 30B")));
        QVERIFY(bare.downloadButton()->isEnabled());
        bare.downloadButton()->click();
        QCOMPARE(download.size(), 1);
        QCOMPARE(download[0][0].value<CatalogEntry>().id, QStringLiteral("qwen3-30b-a3b-q4_k_m"));
    }
    catalog->setCurrentItem(qwen);

    // Screenshots, light and dark (the greyed rows follow the palette).
    QVERIFY(dialog->grab().save(test::artifactPath(QStringLiteral("models-dialog.png"))));
    const QPalette saved = QApplication::palette();
    QApplication::setPalette(Theme::paletteFor(ColorScheme::Dark));
    QTest::qWait(50);
    QCOMPARE(rowNamed(dialog->catalogList(), QStringLiteral("Phi-4"))
                 ->foreground(ModelsDialog::CName)
                 .color(),
             dialog->palette().color(QPalette::Disabled, QPalette::Text));
    QVERIFY(dialog->grab().save(test::artifactPath(QStringLiteral("models-dialog-dark.png"))));
    QApplication::setPalette(saved);

    // Use, with the keyboard: the list, the tiny model's row, Enter.
    QSignalSpy loaded(window.generationController(), &GenerationController::modelLoaded);
    installed->setFocus();
    installed->setCurrentItem(installed->topLevelItem(0));
    for (int i = 0; i < installed->topLevelItemCount() &&
                    !installed->currentItem()->text(0).startsWith(QLatin1String("tiny-moe"));
         ++i)
        QTest::keyClick(installed, Qt::Key_Down);
    QVERIFY(installed->currentItem()->text(0).startsWith(QLatin1String("tiny-moe")));
    QTest::keyClick(installed, Qt::Key_Return);
    QVERIFY(loaded.wait(test::kTimeoutMs));
    QCOMPARE(QFileInfo(window.generationController()->model().modelPath), QFileInfo(copy));
    QCOMPARE(Settings().generateModelPath(), copy);
    QTRY_VERIFY(rowNamed(dialog->installedList(), QStringLiteral("tiny-moe"))
                    ->text(ModelsDialog::IName)
                    .contains(tr("(in use)")));
    QVERIFY(dialog->messageLabel()->text().contains(QLatin1String("tiny-moe")));

    // A catalog that cannot be read says which entry is wrong, in the dialog.
    const QString broken = test::sandbox().filePath(QStringLiteral("broken-catalog.json"));
    QFile out(broken);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(catalogWith("url", "ftp://x"));
    out.close();
    dialog->setCatalogPath(broken);
    QCOMPARE(dialog->catalogList()->topLevelItemCount(), 0);
    QVERIFY(dialog->messageLabel()->text().contains(QLatin1String("entry 2 (\"broken\")")));
    dialog->close();
}

FABULIST_GUI_TEST_MAIN(ModelsDialogTest)
#include "models_dialog_test.moc"
