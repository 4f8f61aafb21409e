package dev.aftershock.selection;

import dev.aftershock.model.Pick;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Picks N, N % or all of the candidates. Candidates are sorted by name first, so the result depends
 * only on which candidates exist, the seed and the salt (the fault's name), not on API list order.
 */
public final class TargetPicker {
    private TargetPicker() {}

    public static <T> List<T> pick(List<T> candidates, Function<T, String> name, Pick pick, long seed, String salt) {
        List<T> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparing(name));
        int count = pick.countOf(sorted.size());
        if (count >= sorted.size()) {
            return sorted;
        }
        // A different stream per fault: two faults picking from the same candidates need not agree.
        Random random = new Random(seed ^ ((long) salt.hashCode() << 32 | (salt.length() & 0xffffffffL)));
        for (int i = sorted.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T swap = sorted.get(i);
            sorted.set(i, sorted.get(j));
            sorted.set(j, swap);
        }
        List<T> picked = new ArrayList<>(sorted.subList(0, count));
        picked.sort(Comparator.comparing(name));
        return picked;
    }
}
