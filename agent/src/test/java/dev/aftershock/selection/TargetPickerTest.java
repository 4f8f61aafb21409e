package dev.aftershock.selection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Percent;
import dev.aftershock.model.Pick;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TargetPickerTest {
    private static final List<String> NODES = List.of("n5", "n1", "n4", "n2", "n3", "n6");

    private static List<String> pick(List<String> candidates, Pick pick, long seed, String salt) {
        return TargetPicker.pick(candidates, Function.identity(), pick, seed, salt);
    }

    @Test
    void theSameSeedPicksTheSameTargetsWhateverTheListOrder() {
        List<String> a = pick(NODES, new Pick.Count(2), 42, "drain");
        List<String> b = pick(NODES.reversed(), new Pick.Count(2), 42, "drain");
        assertThat(a).hasSize(2).isEqualTo(b);
    }

    @Test
    void anotherSeedOrFaultMayPickOthers() {
        var picks = new java.util.HashSet<List<String>>();
        for (long seed = 0; seed < 20; seed++) {
            picks.add(pick(NODES, new Pick.Count(2), seed, "drain"));
        }
        assertThat(picks).hasSizeGreaterThan(3);
    }

    @Test
    void sharesRoundUpAndAllTakesAll() {
        assertThat(pick(NODES, new Pick.Share(new Percent(30)), 1, "f")).hasSize(2);
        assertThat(pick(NODES, new Pick.All(), 1, "f")).containsExactly("n1", "n2", "n3", "n4", "n5", "n6");
        assertThat(pick(List.of(), new Pick.Count(3), 1, "f")).isEmpty();
    }
}
