// Renders the main window with the sample project to <build>/artifacts/main-window.png (light)
// and main-window-dark.png, kept as artifacts for people to look at, and checks that the images
// hold a real picture (not empty, not one colour, the editor showing the sample's prose).
#include "gui_test_support.h"
#include "storage/binder_repository.h"
#include "storage/project.h"
#include "storage/sample_project.h"
#include "ui/app_icon.h"
#include "ui/editor/editor_view.h"
#include "ui/main_window.h"
#include "ui/project/binder_model.h"
#include "ui/project/binder_view.h"
#include "ui/theme.h"

#include <QDir>
#include <QImage>
#include <QPalette>
#include <QScrollBar>
#include <QSet>
#include <QStyle>
#include <QStyleFactory>

using namespace fabulist;
using namespace fabulist::ui;

class ScreenshotTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void renderLight();
    void renderDark();
    void renderIcon();

private:
    void render(const QString& fileName);
    QString m_artifacts;
    QString m_sample;
    double m_lastLightness = 0.0; // mean lightness (0..1) of the last rendered window
};

void ScreenshotTest::initTestCase() {
    const QByteArray binary = qgetenv("FABULIST_BINARY_DIR");
    m_artifacts = QDir(binary.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(binary))
                      .filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(m_artifacts));
    m_sample = test::sandbox().filePath(QStringLiteral("sample.fabulist"));
    QFile::remove(m_sample);
    storage::createSampleProject(m_sample.toStdString());
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
}

// Picks the first scene of the binder, as a writer would when starting to read.
static std::optional<int64_t> firstScene(storage::Project& project) {
    for (const storage::BinderNode& n : project.binder().tree())
        if (n.kind == storage::NodeKind::Scene) return n.id;
    return std::nullopt;
}

void ScreenshotTest::render(const QString& fileName) {
    MainWindow w;
    w.resize(1360, 860);
    QVERIFY(w.openProject(m_sample));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const std::optional<int64_t> scene = firstScene(*w.project());
    QVERIFY(scene);
    w.binderView()->selectNode(*scene);
    w.binderView()->expandAll();
    QVERIFY(!w.editor()->toPlainText().isEmpty());
    // The prose wraps inside its column: nothing to scroll sideways.
    QCOMPARE(w.editor()->horizontalScrollBar()->maximum(), 0);
    QTest::qWait(50); // let layouts settle
    const QImage image = w.grab().toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), w.size() * image.devicePixelRatio());

    // Not one colour: count distinct colours on a grid of samples.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 20, qPrintable(QString::number(colours.size())));
    double lightness = 0.0;
    qsizetype samples = 0;
    for (int y = 0; y < image.height(); y += 5)
        for (int x = 0; x < image.width(); x += 5, ++samples)
            lightness += QColor(image.pixel(x, y)).lightnessF();
    m_lastLightness = lightness / double(samples);

    // The prose itself must be drawn: enough pixels of the editor's text area differ clearly
    // from its background (an invisible text colour once left it blank).
    const QImage text = w.editor()->viewport()->grab().toImage();
    const QColor base = w.editor()->viewport()->palette().color(QPalette::Base);
    qsizetype inked = 0;
    for (int y = 0; y < text.height(); ++y)
        for (int x = 0; x < text.width(); ++x) {
            const QColor c = text.pixelColor(x, y);
            if (qAbs(c.lightness() - base.lightness()) > 60) ++inked;
        }
    QVERIFY2(inked > text.width() * text.height() / 100, qPrintable(QString::number(inked)));

    const QString file = QDir(m_artifacts).filePath(fileName);
    QVERIFY(image.save(file));
    QVERIFY(QFileInfo(file).size() > 10000);
    qInfo("wrote %s", qPrintable(file));
    w.close();
}

void ScreenshotTest::renderLight() {
    render(QStringLiteral("main-window.png"));
    QVERIFY2(m_lastLightness > 0.6, qPrintable(QString::number(m_lastLightness)));
}

void ScreenshotTest::renderDark() {
    // A dark system palette: the theme follows it (Qt 6.4 reads the palette's lightness).
    const QPalette saved = QApplication::palette();
    QApplication::setPalette(Theme::paletteFor(ColorScheme::Dark));
    render(QStringLiteral("main-window-dark.png"));
    QApplication::setPalette(saved);
    // Dark means dark: the window's mean lightness, not just that something was drawn.
    QVERIFY2(m_lastLightness < 0.3, qPrintable(QString::number(m_lastLightness)));
}

void ScreenshotTest::renderIcon() {
    const QImage icon = appIcon().pixmap(128, 128).toImage();
    QCOMPARE(icon.size(), QSize(128, 128));
    QVERIFY(qAlpha(icon.pixel(0, 0)) == 0);     // rounded corner: transparent
    QVERIFY(qAlpha(icon.pixel(64, 64)) == 255); // the page: opaque
    QVERIFY(icon.save(QDir(m_artifacts).filePath(QStringLiteral("app-icon.png"))));
}

FABULIST_GUI_TEST_MAIN(ScreenshotTest)
#include "screenshot_test.moc"
