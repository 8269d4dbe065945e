// The token view ("why this word?", #15 item 4) on the real window, a real project file and the
// shipped model with its diversity head: a generation at α 0.5 with a fixed seed; a click on its
// third token opens the view, whose numbers (top ten of each head and of the mix, the chosen
// token's probabilities, KL) equal what the real `fabulist-cli inspect --json` prints for the
// same prompt, ids, head and α; "Branch with this token" on the mix's second choice records a
// child that starts with that token; the History reader explains an older generation (by key);
// an edited preview has no token view. Writes token-view-light.png (the third token),
// token-view-disagree-light.png and token-view-dark.png (where the heads disagree most),
// token-view-history.png, token-underline-light.png and token-underline-dark.png.
#include "generation_fixture.h"
#include "storage/project.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/generation_controller.h"
#include "ui/generate/history_view.h"
#include "ui/generate/inference_worker.h"
#include "ui/generate/token_inspector.h"
#include "ui/generate/token_view.h"
#include "ui/theme.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStringDecoder>
#include <QTabWidget>

using namespace fabulist;
using namespace fabulist::ui;

class TokenViewTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void numbersEqualTheCli();
    void branchWithTheSecondMixChoice();
    void historyExplainsAnOlderGeneration();
    void editedTextHasNoTokenView();

private:
    // `fabulist-cli inspect --json` for the recorded generation's prompt and `ids` at α 0.5.
    QJsonObject cliInspect(const std::vector<int32_t>& ids);
    void clickToken(QPlainTextEdit* text, const TokenSpan& span);
    void grabView(const QString& name);

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    GeneratePanel* m_panel = nullptr;
    int64_t m_scene = 0;
    int64_t m_first = 0; // the generation inspected
    std::vector<int32_t> m_firstIds;
    TokenInsights m_firstInsights;
};

void TokenViewTest::initTestCase() {
    m_window = std::make_unique<MainWindow>();
    const QString problem = test::openGenerationWindow(
        *m_window, m_dir.filePath(QStringLiteral("tokens.fabulist")), m_scene);
    if (!problem.isEmpty()) QFAIL(qPrintable(problem));
    m_panel = m_window->generatePanel();
    QVERIFY(m_panel->hasAdapter());
    m_window->findChild<QTabWidget*>(QStringLiteral("sidePanels"))->setCurrentWidget(m_panel);
    m_window->editor()->insertPlainText(test::kParagraph);
    m_panel->alphaSlider()->setValue(50);
    m_panel->lengthBox()->setValue(24);
    m_panel->seedBox()->setValue(4242); // locks it: the same text every run
    QSignalSpy finished(m_window->generationController(), &GenerationController::finished);
    QSignalSpy shown(m_window->previewTokens(), &TokenInspector::insightsShown);
    QVERIFY(m_panel->continueWriting());
    QVERIFY(finished.wait(test::kTimeoutMs));
    const auto outcome = finished.first().at(0).value<GenerationOutcome>();
    m_first = finished.first().at(1).value<std::optional<int64_t>>().value();
    m_firstIds = outcome.ids;
    QVERIFY(m_firstIds.size() >= 4);
    // Asked once the preview shows it.
    QVERIFY2(shown.wait(test::kTimeoutMs), qPrintable(m_window->previewTokens()->message()));
}

QJsonObject TokenViewTest::cliInspect(const std::vector<int32_t>& ids) {
    const storage::Generation g = m_window->project()->generations().get(m_first);
    QStringList list;
    for (int32_t id : ids) list << QString::number(id);
    const QString model = QString::fromStdString(inference::defaultModelPath());
    QProcess cli;
    cli.start(QStringLiteral(FABULIST_CLI_PATH),
              {QStringLiteral("inspect"), QStringLiteral("-m"), model, QStringLiteral("-p"),
               QString::fromStdString(g.prompt), QStringLiteral("--ids"), list.join(u','),
               QStringLiteral("--adapter"), InferenceWorker::adapterPathFor(model),
               QStringLiteral("--alpha"), QStringLiteral("0.5"), QStringLiteral("--json")});
    if (!cli.waitForFinished(60000) || cli.exitCode() != 0) {
        qWarning() << cli.readAllStandardError();
        return {};
    }
    return QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
}

void TokenViewTest::clickToken(QPlainTextEdit* text, const TokenSpan& span) {
    QTextCursor c(text->document());
    c.setPosition(span.start);
    const QRect left = text->cursorRect(c);
    c.setPosition(span.end);
    const QRect right = text->cursorRect(c);
    // The middle of the word (one line: the caret rectangles before and after it).
    const QPoint at((left.left() + right.left()) / 2, left.center().y());
    QTest::mouseClick(text->viewport(), Qt::LeftButton, Qt::NoModifier, at);
}

void TokenViewTest::grabView(const QString& name) {
    TokenView* view = m_window->previewTokens()->view();
    QVERIFY(view->grab().save(test::artifactPath(name)));
}

void TokenViewTest::numbersEqualTheCli() {
    TokenInspector* tokens = m_window->previewTokens();
    QVERIFY(tokens->hasInsights());
    QCOMPARE(tokens->generationId(), std::optional<int64_t>(m_first));
    QCOMPARE(tokens->insights().ids, m_firstIds); // the ids the model drew, not a re-split
    m_firstInsights = tokens->insights();
    QVERIFY(!tokens->spans()[2].isEmpty());
    clickToken(m_panel->preview(), tokens->spans()[2]); // the third token
    TokenView* view = tokens->view();
    QTRY_VERIFY(view->isVisible());
    QCOMPARE(view->tokenIndex(), 2);

    const QJsonObject cli = cliInspect(m_firstIds);
    QVERIFY2(!cli.isEmpty(), "fabulist-cli inspect failed");
    QJsonArray promptIds = cli.value(QStringLiteral("prompt_ids")).toArray();
    QCOMPARE(int(promptIds.size()), int(tokens->insights().promptIds.size()));
    for (int i = 0; i < promptIds.size(); ++i)
        QCOMPARE(promptIds[i].toInt(), tokens->insights().promptIds[size_t(i)]);
    const QJsonObject third = cli.value(QStringLiteral("tokens")).toArray().at(2).toObject();
    const inference::TokenInsight& mine = tokens->insights().tokens[2];
    QCOMPARE(third.value(QStringLiteral("id")).toInt(), mine.id);
    // The CLI prints floats with %.17g: they read back as the very same float.
    QCOMPARE(float(third.value(QStringLiteral("kl")).toDouble()), mine.divergence);
    QCOMPARE(float(third.value(QStringLiteral("alpha")).toDouble()), 0.5f);
    QVERIFY(view->divergenceLabel()->text().contains(
        QStringLiteral("KL %1 nats").arg(third.value(QStringLiteral("kl")).toDouble(), 0, 'f', 3)));
    const std::pair<TokenView::Column, const char*> columns[] = {
        {TokenView::Coherence, "coherence"},
        {TokenView::Diversity, "diversity"},
        {TokenView::Mix, "mix"}};
    const char* chosenKeys[] = {"p_coherence", "p_diversity", "p_mix"};
    for (const auto& [column, key] : columns) {
        const QJsonArray expected = third.value(QLatin1String(key)).toArray();
        QCOMPARE(int(expected.size()), 10);
        QListWidget* list = view->column(column);
        QVERIFY(list->count() >= 10);
        bool chosenShown = false;
        for (int row = 0; row < list->count(); ++row) {
            const QListWidgetItem* item = list->item(row);
            const float p = item->data(TokenView::ProbabilityRole).toFloat();
            if (item->data(TokenView::ChosenRole).toBool()) {
                chosenShown = true;
                QCOMPARE(p, float(third.value(QLatin1String(chosenKeys[column])).toDouble()));
            }
            if (row >= 10) continue; // the chosen token below the ten
            const QJsonObject want = expected[row].toObject();
            QCOMPARE(item->data(TokenView::IdRole).toInt(),
                     want.value(QStringLiteral("id")).toInt());
            QCOMPARE(p, float(want.value(QStringLiteral("p")).toDouble()));
        }
        QVERIFY2(chosenShown, key); // marked in every column, in the ten or below them
    }

    // Keyboard: Right moves to the next column, Esc closes.
    QTest::keyClick(view->column(TokenView::Mix), Qt::Key_Right);
    QVERIFY(view->column(TokenView::Coherence)->hasFocus());
    grabView(QStringLiteral("token-view-light.png"));
    QVERIFY(m_panel->grab().save(test::artifactPath(QStringLiteral("token-underline-light.png"))));
    QTest::keyClick(view->column(TokenView::Coherence), Qt::Key_Escape);
    QTRY_VERIFY(!view->isVisible());

    // Where the heads disagree most: the view and the underline in light and in dark (View >
    // Appearance: the app's own palettes; the colours come from them).
    const auto& all = tokens->insights().tokens;
    size_t strongest = 0;
    for (size_t i = 0; i < all.size(); ++i)
        if (!tokens->spans()[i].isEmpty() && all[i].divergence > all[strongest].divergence)
            strongest = i;
    QVERIFY(all[strongest].divergence > 0.0f);
    QVERIFY(tokens->openAt(tokens->spans()[strongest].start));
    QTRY_VERIFY(view->isVisible());
    grabView(QStringLiteral("token-view-disagree-light.png"));
    view->close();
    m_window->setAppearance(Appearance::Dark);
    QTRY_VERIFY(m_panel->palette().color(QPalette::Window).lightness() < 100); // delivered
    QVERIFY(tokens->openAt(tokens->spans()[strongest].start));
    QTRY_VERIFY(view->isVisible());
    QTRY_VERIFY(view->palette().color(QPalette::Window).lightness() < 100); // delivered
    grabView(QStringLiteral("token-view-dark.png"));
    view->close();
    QVERIFY(m_panel->grab().save(test::artifactPath(QStringLiteral("token-underline-dark.png"))));
    m_window->setAppearance(Appearance::Light);
    QTRY_VERIFY(m_panel->palette().color(QPalette::Window).lightness() > 150);
}

void TokenViewTest::branchWithTheSecondMixChoice() {
    TokenInspector* tokens = m_window->previewTokens();
    QVERIFY(tokens->openAt(tokens->spans()[2].start));
    TokenView* view = tokens->view();
    QTRY_VERIFY(view->isVisible());
    QListWidget* mix = view->column(TokenView::Mix);
    mix->setFocus();
    mix->setCurrentRow(0);
    QTest::keyClick(mix, Qt::Key_Down); // the mix's second choice
    QCOMPARE(mix->currentRow(), 1);
    const int32_t second = mix->currentItem()->data(TokenView::IdRole).toInt();
    QVERIFY(view->branchButton()->isEnabled());
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString secondText = utf8.decode(tokens->insights().bytes.value(second));

    QSignalSpy recorded(m_window->generationController(),
                        &GenerationController::generationRecorded);
    QTest::keyClick(mix, Qt::Key_Return); // Enter = Branch with this token
    QVERIFY(recorded.wait(test::kTimeoutMs));
    QVERIFY(!view->isVisible());
    const storage::Generation child =
        m_window->project()->generations().get(recorded.first().at(0).toLongLong());
    QCOMPARE(child.parentId, std::optional<int64_t>(m_first));
    QVERIFY2(QString::fromStdString(child.output).startsWith(secondText),
             qPrintable(QString::fromStdString(child.output)));
    // It continues from the inspected prompt and text up to the token.
    QByteArray before;
    for (size_t i = 0; i < 2; ++i) before += m_firstInsights.bytes.value(m_firstIds[i]);
    const storage::Generation parent = m_window->project()->generations().get(m_first);
    QCOMPARE(QString::fromStdString(child.prompt),
             QString::fromStdString(parent.prompt) + QString::fromUtf8(before));
    // The History tree holds it as the inspected one's child.
    HistoryView* history = m_window->historyView();
    history->reload();
    const QList<int64_t> order = history->shownIds();
    QVERIFY(order.indexOf(child.id) == order.indexOf(m_first) + 1);
}

void TokenViewTest::historyExplainsAnOlderGeneration() {
    HistoryView* history = m_window->historyView();
    m_window->findChild<QTabWidget*>(QStringLiteral("sidePanels"))->setCurrentWidget(history);
    history->select(m_first);
    TokenInspector* tokens = history->tokenInspector();
    QTRY_VERIFY2_WITH_TIMEOUT(
        tokens->hasInsights(),
        qPrintable(tokens->message() + QStringLiteral(" shown: %1 visible: %2")
                                           .arg(tokens->generationId().value_or(-1))
                                           .arg(history->reader()->isVisible())),
        test::kTimeoutMs);
    QCOMPARE(tokens->generationId(), std::optional<int64_t>(m_first));
    // Its text tokenized again: the same tokens as drawn here, so the same numbers as the
    // preview had.
    QCOMPARE(tokens->insights().ids, m_firstIds);
    QCOMPARE(tokens->insights().tokens[1].divergence, m_firstInsights.tokens[1].divergence);
    // By key: the caret in the second token, Generate > Why This Word?
    QPlainTextEdit* reader = history->reader();
    reader->setFocus();
    QTextCursor c = reader->textCursor();
    c.setPosition(tokens->spans()[1].start + 1 < tokens->spans()[1].end
                      ? tokens->spans()[1].start + 1
                      : tokens->spans()[1].start);
    reader->setTextCursor(c);
    QCOMPARE(m_window->whyThisWordAction()->shortcut(),
             QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    QSignalSpy triggered(m_window->whyThisWordAction(), &QAction::triggered);
    QTest::keyClick(reader, Qt::Key_W, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(triggered.size(), 1);
    QTRY_VERIFY2(tokens->view()->isVisible(),
                 qPrintable(tokens->message() + QStringLiteral(" | preview: ") +
                            m_window->previewTokens()->message() + QStringLiteral(" focus: ") +
                            (m_window->focusWidget() ? m_window->focusWidget()->objectName()
                                                     : QStringLiteral("none"))));
    QCOMPARE(tokens->view()->tokenIndex(), 1);
    QVERIFY(
        tokens->view()->grab().save(test::artifactPath(QStringLiteral("token-view-history.png"))));
    QTest::keyClick(tokens->view()->column(TokenView::Mix), Qt::Key_Escape);
    QTRY_VERIFY(!tokens->view()->isVisible());
}

void TokenViewTest::editedTextHasNoTokenView() {
    m_window->findChild<QTabWidget*>(QStringLiteral("sidePanels"))->setCurrentWidget(m_panel);
    TokenInspector* tokens = m_window->previewTokens();
    QTRY_VERIFY_WITH_TIMEOUT(tokens->hasInsights(), test::kTimeoutMs);
    QVERIFY(!m_panel->preview()->extraSelections().isEmpty()); // the underline
    QPlainTextEdit* preview = m_panel->preview();
    QTextCursor c(preview->document());
    c.movePosition(QTextCursor::End);
    c.insertText(QStringLiteral(" An edit."));
    QVERIFY(!tokens->openAt(tokens->spans()[0].start));
    QVERIFY(tokens->message().startsWith(QStringLiteral("Edited text: no token view")));
    QVERIFY(preview->extraSelections().isEmpty());
    preview->undo();
    QVERIFY(!preview->extraSelections().isEmpty());
    QVERIFY(tokens->openAt(tokens->spans()[0].start));
    tokens->view()->close();
}

FABULIST_GUI_TEST_MAIN(TokenViewTest)
#include "token_view_test.moc"
