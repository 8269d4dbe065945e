#pragma once
// Ends the application through QCoreApplication::quit() on SIGTERM, SIGINT and SIGHUP (logout,
// `kill`, Ctrl+C in a terminal), so the window saves the text and closes the project file
// cleanly instead of dying mid-way. The signal handler only writes a byte to a socket; the
// event loop does the rest.
class QObject;

namespace fabulist::gui {

void quitOnTerminationSignals(QObject* context);

} // namespace fabulist::gui
