package dev.aftershock.validation;

/** One thing wrong with an input file, where it is and what was expected instead. */
public record Problem(String file, int line, int column, String message) implements Comparable<Problem> {
    @Override
    public int compareTo(Problem other) {
        int byLine = Integer.compare(line, other.line);
        return byLine != 0 ? byLine : Integer.compare(column, other.column);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
