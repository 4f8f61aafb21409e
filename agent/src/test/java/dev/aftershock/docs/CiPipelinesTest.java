package dev.aftershock.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.AftershockCommand;
import dev.aftershock.cli.ExitCode;
import dev.aftershock.report.ReportFiles;
import dev.aftershock.testbed.CiLinters;
import dev.aftershock.validation.ExperimentLoader;
import dev.aftershock.validation.RepositoryPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * docs/ci.md and the pipelines it shows (docs/ci/): checked by the real linters, their scripts run
 * with docker and sudo stubbed (so what the container is asked to do is what the shell passed), the
 * CLI's own parser on the container's arguments, and the doc against the files and the code.
 */
class CiPipelinesTest {
    private static final Path ROOT = RepositoryPaths.root();
    private static final Path DOC = ROOT.resolve("docs/ci.md");
    private static final Path GITHUB = ROOT.resolve("docs/ci/github-actions.yml");
    private static final Path GITLAB = ROOT.resolve("docs/ci/gitlab-ci.yml");
    private static final String IMAGE = "registry.example.com/aftershock/agent:0.1.0";
    private static final String SECRET = "apiVersion: v1\nkind: Config\n# not-to-be-printed\n";

    @Test
    void actionlintAndShellcheckFindNothingInTheGitHubWorkflow(@TempDir Path dir) throws IOException {
        assertThat(actionlint(GITHUB)).isEqualTo(new CiLinters.Result(0, ""));

        // The same linters do see a misspelt input of the test-results action and an unquoted path.
        Path broken = Files.writeString(
                dir.resolve("broken.yml"),
                Files.readString(GITHUB)
                        .replace("check_name:", "checkname:")
                        .replace("mkdir -p \"$RUNNER_TEMP/aftershock\"", "mkdir -p $RUNNER_TEMP/aftershock"));
        CiLinters.Result flagged = actionlint(broken);
        assertThat(flagged.exitCode()).isEqualTo(1);
        assertThat(flagged.output())
                .contains("input \"checkname\" is not defined")
                .contains("SC2086");
    }

    @Test
    void gitLabsSchemaAndShellcheckFindNothingInTheGitLabPipeline(@TempDir Path dir) throws IOException {
        CiLinters.Result valid = gitLabSchema(GITLAB);
        assertThat(valid.exitCode()).as(valid.output()).isZero();
        assertThat(valid.output()).contains("ok -- validation done");
        Map<String, Object> job = gitLabJob();
        for (String part : List.of("script", "after_script")) {
            CiLinters.Result shellcheck = CiLinters.run(
                    String.join("\n", strings(job.get(part))) + "\n", CiLinters.shellcheck(), "--shell=sh", "-");
            assertThat(shellcheck).as(part).isEqualTo(new CiLinters.Result(0, ""));
        }

        Path broken = Files.writeString(
                dir.resolve("broken.yml"), Files.readString(GITLAB).replace("when: always", "when: sometimes"));
        CiLinters.Result flagged = gitLabSchema(broken);
        assertThat(flagged.exitCode()).isEqualTo(1);
        assertThat(flagged.output()).contains("$.aftershock.artifacts.when: 'sometimes' is not one of");
    }

    @Test
    void theGitHubJobRunsTheCliAndPublishesWhatTheRunWrote(@TempDir Path dir) throws Exception {
        Map<String, Object> workflow = yaml(GITHUB);
        // YAML 1.1, as SnakeYAML reads it, takes the key `on` for true.
        Map<String, Object> on = map(workflow.containsKey("on") ? workflow.get("on") : workflow.get(Boolean.TRUE));
        assertThat(list(on.get("schedule")))
                .singleElement()
                .satisfies(s -> assertThat(map(s)).containsKey("cron"));
        assertThat(on).containsKey("workflow_dispatch");

        Map<String, Object> job = map(map(workflow.get("jobs")).get("experiment"));
        List<Map<String, Object>> steps =
                list(job.get("steps")).stream().map(CiPipelinesTest::map).toList();
        Map<String, Object> run = steps.stream()
                .filter(s -> String.valueOf(s.get("run")).contains("docker run"))
                .findFirst()
                .orElseThrow();
        assertThat(map(run.get("env"))).containsEntry("KUBECONFIG_CONTENT", "${{ secrets.AFTERSHOCK_KUBECONFIG }}");

        for (int exitCode : new int[] {0, 1, 3}) {
            Path workspace = Files.createDirectories(dir.resolve("run-" + exitCode + "/workspace"));
            Path temp = Files.createDirectories(dir.resolve("run-" + exitCode + "/temp"));
            Map<String, String> env = new LinkedHashMap<>(envOf(map(workflow.get("env"))));
            // A secret as pasted, without the final newline that printf adds back.
            env.put("KUBECONFIG_CONTENT", SECRET.stripTrailing());
            env.put("RUNNER_TEMP", temp.toString());
            env.put("GITHUB_WORKSPACE", workspace.toString());
            // GitHub's default shell on Linux runners.
            ScriptRun result = runWithStubs(
                    dir.resolve("run-" + exitCode),
                    workspace,
                    env,
                    exitCode,
                    List.of("bash", "--noprofile", "--norc", "-eo", "pipefail"),
                    (String) run.get("run"));

            assertThat(result.exitCode()).as(result.output()).isEqualTo(exitCode);
            assertThat(result.output()).doesNotContain("not-to-be-printed");
            Path kubeconfig = temp.resolve("aftershock/kubeconfig");
            assertThat(kubeconfig).hasContent(SECRET);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig)))
                    .isEqualTo("rw-------");
            // The container's user gets the files before the run, the runner's user after it, whatever happened.
            assertThat(result.calls())
                    .map(c -> firstWords(c, 4))
                    .containsExactly("sudo chown -R 65532:65532", "docker run --rm -v");

            String reports = assertRunsTheCli(result.dockerArgs(), workspace);
            Map<String, Object> giveBack = steps.get(steps.indexOf(run) + 1);
            assertThat(giveBack).containsEntry("if", "${{ always() }}");
            ScriptRun after = runWithStubs(
                    dir.resolve("run-" + exitCode),
                    workspace,
                    env,
                    0,
                    List.of("bash", "--noprofile", "--norc", "-eo", "pipefail"),
                    (String) giveBack.get("run"));
            assertThat(after.exitCode()).as(after.output()).isZero();
            assertThat(after.calls())
                    .map(c -> firstWords(c, 4))
                    .containsExactly("sudo chown -R " + ids(), "sudo chown -R " + ids());
            assertThat(kubeconfig).doesNotExist();
            Map<String, Object> junit = uses(steps, "EnricoMi/publish-unit-test-result-action@v2");
            Map<String, Object> artifact = uses(steps, "actions/upload-artifact@v4");
            assertThat(map(junit.get("with"))).containsEntry("files", reports + "/" + ReportFiles.JUNIT);
            assertThat(List.of(map(artifact.get("with")).get("path").toString().split("\n")))
                    .containsExactly(reports + "/" + ReportFiles.HTML, reports + "/" + ReportFiles.JOURNAL);
            assertThat(List.of(junit.get("if"), artifact.get("if"))).containsOnly("${{ !cancelled() }}");
        }
    }

    @Test
    void theGitLabJobRunsTheCliAndPublishesWhatTheRunWrote(@TempDir Path dir) throws Exception {
        Map<String, Object> job = gitLabJob();
        assertThat(list(job.get("rules")))
                .singleElement()
                .satisfies(r -> assertThat(map(r)).containsEntry("if", "$CI_PIPELINE_SOURCE == \"schedule\""));

        for (int exitCode : new int[] {0, 1, 3}) {
            Path project = Files.createDirectories(dir.resolve("run-" + exitCode + "/project"));
            // A File variable holds the path of a file with the value.
            Path fileVariable = Files.writeString(dir.resolve("run-" + exitCode + "/AFTERSHOCK_KUBECONFIG"), SECRET);
            Map<String, String> env = new LinkedHashMap<>(envOf(map(job.get("variables"))));
            env.put("AFTERSHOCK_KUBECONFIG", fileVariable.toString());
            env.put("CI_PROJECT_DIR", project.toString());
            ScriptRun result = runWithStubs(
                    dir.resolve("run-" + exitCode),
                    project,
                    env,
                    exitCode,
                    List.of("sh", "-e"),
                    String.join("\n", strings(job.get("script"))));

            assertThat(result.exitCode()).as(result.output()).isEqualTo(exitCode);
            assertThat(result.output()).doesNotContain("not-to-be-printed");
            Path kubeconfig = project.resolve("aftershock/kubeconfig");
            assertThat(kubeconfig).hasContent(SECRET);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig)))
                    .isEqualTo("rw-------");
            assertThat(result.calls()).map(c -> firstWords(c, 2)).containsExactly("chown -R", "docker run");

            String reports = assertRunsTheCli(result.dockerArgs(), project);
            Map<String, Object> artifacts = map(job.get("artifacts"));
            assertThat(artifacts).containsEntry("when", "always");
            assertThat(map(artifacts.get("reports"))).containsEntry("junit", reports + "/" + ReportFiles.JUNIT);
            assertThat(strings(artifacts.get("paths")))
                    .containsExactly(reports + "/" + ReportFiles.HTML, reports + "/" + ReportFiles.JOURNAL);

            ScriptRun after = runWithStubs(
                    dir.resolve("run-" + exitCode),
                    project,
                    env,
                    0,
                    List.of("sh", "-e"),
                    String.join("\n", strings(job.get("after_script"))));
            assertThat(after.exitCode()).isZero();
            assertThat(kubeconfig).doesNotExist();
        }
    }

    @Test
    void theDocShowsThePipelinesAsTheyAre() throws IOException {
        List<String> yamlBlocks = fencedBlocks(Files.readString(DOC), "yaml");
        assertThat(yamlBlocks).containsExactly(Files.readString(GITHUB), Files.readString(GITLAB));
    }

    @Test
    void theDocNamesOnlyRealFlagsAndTheRealExitCodes() throws IOException {
        String doc = Files.readString(DOC);
        String prose = doc;
        for (String block : fencedBlocks(doc, "yaml")) {
            prose = prose.replace(block, "");
        }
        CommandLine cli = new CommandLine(new AftershockCommand());
        Set<String> flags = new TreeSet<>();
        Matcher flag = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*").matcher(prose);
        while (flag.find()) {
            flags.add(flag.group());
        }
        assertThat(flags)
                .isNotEmpty()
                .allSatisfy(f -> assertThat(List.of("run", "submit"))
                        .as(f)
                        .anyMatch(command -> cli.getSubcommands()
                                        .get(command)
                                        .getCommandSpec()
                                        .findOption(f)
                                != null));

        Set<Integer> documented = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| (\\d) \\|").matcher(prose);
        while (row.find()) {
            documented.add(Integer.parseInt(row.group(1)));
        }
        assertThat(documented)
                .isEqualTo(Arrays.stream(ExitCode.values())
                        .map(ExitCode::code)
                        .collect(Collectors.toCollection(TreeSet::new)));
    }

    /**
     * Checks what the container was asked to run: the image, only {@code --rm} and {@code -v} for
     * docker, then arguments that the CLI's parser takes for {@code run} with the experiment, the
     * kubeconfig and the reports directory mounted from the job's directories, the experiment a valid
     * file of this repository. Returns the reports directory as the job names it (relative to {@code
     * workspace}).
     */
    private static String assertRunsTheCli(List<String> dockerArgs, Path workspace) {
        assertThat(dockerArgs.subList(0, 2)).containsExactly("run", "--rm");
        int image = dockerArgs.indexOf(IMAGE);
        assertThat(image).as(dockerArgs.toString()).isPositive();
        Map<String, String> mounts = new LinkedHashMap<>();
        List<String> options = dockerArgs.subList(2, image);
        for (int i = 0; i < options.size(); i += 2) {
            assertThat(options.get(i)).isEqualTo("-v");
            String[] mount = options.get(i + 1).split(":");
            mounts.put(mount[1], mount[0] + (mount.length > 2 ? ":" + mount[2] : ""));
        }

        CommandLine.ParseResult parsed = new CommandLine(new AftershockCommand())
                .parseArgs(dockerArgs.subList(image + 1, dockerArgs.size()).toArray(String[]::new));
        CommandLine.ParseResult run = parsed.subcommand();
        assertThat(run.commandSpec().name()).isEqualTo("run");
        Path experiment = run.matchedPositionalValue(0, null);
        Path kubeconfig = run.matchedOptionValue("--kubeconfig", null);
        Path out = run.matchedOptionValue("--out", null);

        String kubeconfigMount = mounts.get(kubeconfig.toString());
        assertThat(kubeconfigMount).endsWith(":ro");
        assertThat(Path.of(kubeconfigMount.replace(":ro", ""))).hasContent(SECRET);

        Path experimentsHost =
                Path.of(mounts.get(experiment.getParent().toString()).replace(":ro", ""));
        assertThat(mounts.get(experiment.getParent().toString())).endsWith(":ro");
        Path inRepository = ROOT.resolve(workspace.relativize(experimentsHost))
                .resolve(experiment.getFileName().toString());
        assertThat(ExperimentLoader.load(inRepository)).isInstanceOf(ExperimentLoader.Loaded.class);

        Path reports = Path.of(mounts.get(out.toString()));
        assertThat(reports).isDirectory().startsWith(workspace);
        return workspace.relativize(reports).toString();
    }

    private record ScriptRun(int exitCode, String output, List<String> calls, List<String> dockerArgs) {}

    /**
     * Runs a job's script with {@code docker}, {@code sudo} and {@code chown} replaced by stubs that
     * record their arguments; docker exits {@code dockerExit}, as the run in the container would.
     */
    private static ScriptRun runWithStubs(
            Path dir, Path workdir, Map<String, String> env, int dockerExit, List<String> shell, String script)
            throws IOException, InterruptedException {
        Path stubs = Files.createDirectories(dir.resolve("stubs"));
        Path calls = dir.resolve("calls");
        Path dockerArgs = dir.resolve("docker-args");
        Files.deleteIfExists(calls);
        stub(stubs.resolve("docker"), "printf '%s\\n' \"$@\" >\"$STUB_DOCKER_ARGS\"\nexit \"$STUB_DOCKER_EXIT\"");
        stub(stubs.resolve("sudo"), "");
        stub(stubs.resolve("chown"), "");
        Path file = Files.writeString(dir.resolve("script.sh"), script + "\n");

        List<String> command = new ArrayList<>(shell);
        command.add(file.toString());
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(workdir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("PATH", stubs + ":" + System.getenv("PATH"));
        builder.environment().put("STUB_CALLS", calls.toString());
        builder.environment().put("STUB_DOCKER_ARGS", dockerArgs.toString());
        builder.environment().put("STUB_DOCKER_EXIT", String.valueOf(dockerExit));
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return new ScriptRun(
                p.exitValue(),
                output,
                Files.exists(calls) ? Files.readAllLines(calls) : List.of(),
                Files.exists(dockerArgs) ? Files.readAllLines(dockerArgs) : List.of());
    }

    private static void stub(Path path, String body) throws IOException {
        Files.writeString(path, "#!/bin/sh\necho \"$(basename \"$0\") $*\" >>\"$STUB_CALLS\"\n" + body + "\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String firstWords(String line, int n) {
        return String.join(" ", Arrays.asList(line.split(" ")).subList(0, n));
    }

    private static String ids() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "echo \"$(id -u):$(id -g)\"").start();
        String ids = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return ids;
    }

    private static CiLinters.Result actionlint(Path workflow) {
        return CiLinters.run(
                CiLinters.actionlint(),
                "-no-color",
                "-oneline",
                "-shellcheck",
                CiLinters.shellcheck().toString(),
                // Only shell runs here: no pyflakes, whatever the machine has.
                "-pyflakes=",
                workflow.toString());
    }

    /** As check-jsonschema's own pre-commit hook for GitLab CI runs it. */
    private static CiLinters.Result gitLabSchema(Path pipeline) {
        return CiLinters.run(
                CiLinters.checkJsonschema(),
                "--builtin-schema",
                "vendor.gitlab-ci",
                "--data-transform",
                "gitlab-ci",
                "--regex-variant",
                "nonunicode",
                pipeline.toString());
    }

    private static Map<String, Object> gitLabJob() throws IOException {
        return map(yaml(GITLAB).get("aftershock"));
    }

    private static Map<String, Object> uses(List<Map<String, Object>> steps, String action) {
        return steps.stream()
                .filter(s -> action.equals(s.get("uses")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no step uses " + action));
    }

    /** The contents of the fenced blocks of this language, each with its final newline. */
    private static List<String> fencedBlocks(String markdown, String language) {
        List<String> blocks = new ArrayList<>();
        Matcher block =
                Pattern.compile("(?ms)^```" + language + "\\n(.*?)^```$").matcher(markdown);
        while (block.find()) {
            blocks.add(block.group(1));
        }
        return blocks;
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        return map(new Yaml().load(Files.readString(file)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<Object>) o;
    }

    private static List<String> strings(Object o) {
        return list(o).stream().map(String::valueOf).toList();
    }

    private static Map<String, String> envOf(Map<String, Object> m) {
        Map<String, String> values = new LinkedHashMap<>();
        m.forEach((k, v) -> values.put(k, String.valueOf(v)));
        return values;
    }
}
