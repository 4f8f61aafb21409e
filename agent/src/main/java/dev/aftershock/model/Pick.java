package dev.aftershock.model;

/** How many of the matching candidates to pick: N, N % (rounded up, at least one) or all. */
public sealed interface Pick {
    /** How many of {@code candidates} this pick takes. */
    int countOf(int candidates);

    record Count(int count) implements Pick {
        @Override
        public int countOf(int candidates) {
            return Math.min(count, candidates);
        }

        @Override
        public String toString() {
            return Integer.toString(count);
        }
    }

    record Share(Percent percent) implements Pick {
        @Override
        public int countOf(int candidates) {
            if (candidates == 0) {
                return 0;
            }
            // Rounded up so that "30%" of 2 pods still picks one: a pick that picks nothing is a no-op run.
            int n = (int) Math.ceil(percent.fraction() * candidates - 1e-9);
            return Math.max(1, Math.min(candidates, n));
        }

        @Override
        public String toString() {
            return percent.toString();
        }
    }

    record All() implements Pick {
        @Override
        public int countOf(int candidates) {
            return candidates;
        }

        @Override
        public String toString() {
            return "all";
        }
    }
}
