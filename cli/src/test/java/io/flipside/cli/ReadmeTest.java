package io.flipside.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flipside.core.config.FlipsideConfig;
import io.flipside.core.config.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's configuration table and CLI reference stay true to the code. */
class ReadmeTest {
    static String readme() throws Exception {
        return Files.readString(Path.of("..", "README.md"));
    }

    @Test
    void everySettingIsInTheConfigurationTableWithItsDefault() throws Exception {
        String readme = readme();
        List<String> rows = readme.lines().filter(l -> l.startsWith("| `")).toList();
        for (Setting<?> s : FlipsideConfig.ALL) {
            String def = s.defaultValue() == null ? "*required*" : s.defaultValue().isEmpty() ? "(empty)"
                    : "`" + s.defaultValue() + "`";
            String expected = "| `" + s.key() + "` | " + def + " | " + s.description() + " |";
            assertTrue(rows.contains(expected), "README lacks or misstates: " + expected);
        }
        long settingRows = rows.stream().filter(r -> FlipsideConfig.ALL.stream()
                .anyMatch(s -> r.startsWith("| `" + s.key() + "`"))).count();
        assertEquals(FlipsideConfig.ALL.size(), settingRows);
    }

    @Test
    void everySubcommandIsInTheCliReference() throws Exception {
        String readme = readme();
        for (String sub : new picocli.CommandLine(new Main()).getSubcommands().keySet()) {
            assertTrue(readme.contains("flipside " + sub + " "), "README's CLI reference lacks " + sub);
        }
        for (ActionCommand.Kind k : ActionCommand.Kind.values()) {
            assertTrue(readme.contains("flipside " + k.command + " "), "README's CLI reference lacks " + k.command);
        }
    }
}
