/**
 * Pure renderings of a journal: one self-contained HTML report (JTE template, Chart.js inlined) and
 * JUnit XML. Nothing here measures or decides; it only shows what the journal holds.
 */
package dev.aftershock.report;
