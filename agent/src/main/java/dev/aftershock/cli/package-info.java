/** The command line: parses arguments (picocli), starts the Vert.x runtime, maps outcomes to exit codes. */
package dev.aftershock.cli;
