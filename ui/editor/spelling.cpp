#include "ui/editor/spelling.h"

#include "storage/project.h"
#include "storage/project_dictionary.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/spell_checker.h"
#include "ui/editor/spell_menu.h"
#include "ui/editor/spell_words.h"
#include "ui/project/binder_model.h"
#include "ui/settings.h"

#include <QAction>
#include <QActionGroup>
#include <QMenu>

namespace fabulist::ui {

Spelling::Spelling(EditorView* editor, QObject* parent)
    : QObject(parent), m_editor(editor), m_checker(new SpellChecker(this)),
      m_menu(new SpellMenu(editor, m_checker, this)) {
    const Settings settings;
    m_checker->setEnabled(settings.spellCheck());
    QString language = settings.spellLanguage();
    if (!SpellChecker::installedLanguages().contains(language))
        language = SpellChecker::defaultLanguage();
    m_checker->setLanguage(language);

    m_toggle = new QAction(tr("Spell &Check"), this);
    m_toggle->setCheckable(true);
    m_toggle->setChecked(m_checker->isEnabled());
    m_toggle->setShortcut(QKeySequence(Qt::Key_F7));
    m_toggle->setToolTip(tr("Underline misspelled words in the editor"));
    connect(m_toggle, &QAction::toggled, this, [this](bool on) {
        m_checker->setEnabled(on);
        Settings().setSpellCheck(on);
    });
    m_languageMenu = new QMenu(tr("Spelling &Language"));
    m_languageMenu->setObjectName(QStringLiteral("spellingLanguageMenu"));
    connect(this, &QObject::destroyed, m_languageMenu, &QObject::deleteLater);
    m_languages = new QActionGroup(this);
    buildLanguageMenu();
    connect(m_menu, &SpellMenu::addWordRequested, this, &Spelling::addToProjectDictionary);
}

void Spelling::buildLanguageMenu() {
    const QStringList installed = SpellChecker::installedLanguages();
    for (const QString& language : installed) {
        QAction* a = m_languages->addAction(language);
        a->setCheckable(true);
        a->setChecked(language == m_checker->language());
        connect(a, &QAction::triggered, this, [this, language] { setLanguage(language); });
        m_languageMenu->addAction(a);
    }
    if (installed.isEmpty()) {
        QAction* none = m_languageMenu->addAction(tr("No Hunspell dictionary is installed"));
        none->setEnabled(false);
    }
}

void Spelling::setLanguage(const QString& language) {
    m_checker->setLanguage(language);
    Settings().setSpellLanguage(language);
    for (QAction* a : m_languages->actions()) a->setChecked(a->text() == language);
}

void Spelling::setProject(storage::Project* project, BinderModel* binder) {
    if (m_binder) disconnect(m_binder, nullptr, this, nullptr);
    m_project = project;
    m_binder = binder;
    m_checker->clearIgnored(); // "Ignore" lasts as long as the project is open
    m_menu->setCanAddWords(project && !project->isReadOnly());
    QStringList words;
    if (project) {
        try {
            for (const std::string& w : storage::ProjectDictionary(project->database()).words())
                words << QString::fromStdString(w);
        } catch (const std::exception& e) {
            emit errorOccurred(QString::fromUtf8(e.what()));
        }
    }
    m_checker->setProjectWords(words);
    if (binder) connect(binder, &BinderModel::binderChanged, this, &Spelling::reloadNames);
    reloadNames();
}

// Every word of every title: "Mira Tull" makes "Mira" and "Tull" names.
void Spelling::reloadNames() {
    QStringList names;
    if (m_project) {
        try {
            for (const storage::BinderNode& node : m_project->binder().tree(true)) {
                const QString title = QString::fromStdString(node.title);
                for (const WordSpan& span : checkableWords(title))
                    names << title.mid(span.start, span.length);
            }
        } catch (const std::exception& e) {
            emit errorOccurred(QString::fromUtf8(e.what()));
        }
    }
    m_checker->setNames(names);
}

bool Spelling::addToProjectDictionary(const QString& word) {
    if (!m_project) return false;
    try {
        storage::ProjectDictionary(m_project->database()).add(word.toStdString());
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
    m_checker->addProjectWord(word);
    return true;
}

} // namespace fabulist::ui
