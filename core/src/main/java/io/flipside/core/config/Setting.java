package io.flipside.core.config;

import java.util.function.Function;

/**
 * One configuration key: its name, default, meaning and how its text becomes a value. Every key Flipside reads is a
 * {@code Setting} constant in {@link FlipsideConfig}; the README's configuration table lists the same keys.
 *
 * @param key          the properties key
 * @param defaultValue the default as text, or null when the key is required
 * @param description  one sentence for the README
 * @param parse        text to value; throws IllegalArgumentException for bad text
 */
public record Setting<T>(String key, String defaultValue, String description, Function<String, T> parse) {

    public boolean required() {
        return defaultValue == null;
    }

    static Setting<String> text(String key, String def, String description) {
        return new Setting<>(key, def, description, s -> s);
    }

    static Setting<Integer> integer(String key, String def, String description, int min, int max) {
        return new Setting<>(key, def, description, s -> (int) parseRanged(key, s, min, max));
    }

    static Setting<Long> longInt(String key, String def, String description, long min, long max) {
        return new Setting<>(key, def, description, s -> parseRanged(key, s, min, max));
    }

    private static long parseRanged(String key, String text, long min, long max) {
        long v;
        try {
            v = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got: " + text);
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got: " + v);
        }
        return v;
    }

    /** One of {@code choices}, given in any case; the value is the choice as listed. */
    static Setting<String> choice(String key, String def, String description, java.util.List<String> choices) {
        return new Setting<>(key, def, description, s -> choices.stream().filter(c -> c.equalsIgnoreCase(s.trim()))
                .findFirst().orElseThrow(() -> new IllegalArgumentException(key + " must be one of "
                        + String.join(", ", choices) + ", got: " + s)));
    }

    static Setting<Boolean> bool(String key, String def, String description) {
        return new Setting<>(key, def, description, s -> {
            String t = s.trim().toLowerCase(java.util.Locale.ROOT);
            if (!t.equals("true") && !t.equals("false")) {
                throw new IllegalArgumentException(key + " must be true or false, got: " + s);
            }
            return Boolean.parseBoolean(t);
        });
    }
}
