package org.sdij.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code --name value} and {@code --flag} arguments against one command's option table. */
public final class CommandLine {

    /** One option; {@code valueName} null for a flag. */
    public record Option(String name, String valueName, String help) {
        public static Option value(String name, String valueName, String help) {
            return new Option(name, valueName, help);
        }

        public static Option flag(String name, String help) {
            return new Option(name, null, help);
        }

        boolean isFlag() {
            return valueName == null;
        }
    }

    /** A bad command line; the message names the bad argument. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    private final String command;
    private final Map<String, String> values;

    private CommandLine(String command, Map<String, String> values) {
        this.command = command;
        this.values = values;
    }

    public static CommandLine parse(String command, List<Option> options, String[] args, int from)
            throws UsageException {
        Map<String, Option> byName = new LinkedHashMap<>();
        options.forEach(o -> byName.put(o.name(), o));
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("Unexpected argument '" + arg + "' (options start with --)");
            }
            String name = arg.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Option option = byName.get(name);
            if (option == null) throw new UsageException("Unknown option --" + name + " for '" + command + "'");
            if (option.isFlag()) {
                if (inline != null) throw new UsageException("--" + name + " takes no value");
                values.put(name, "true");
            } else if (inline != null) {
                values.put(name, inline);
            } else {
                if (i + 1 >= args.length) throw new UsageException("--" + name + " needs a value: " + option.valueName());
                values.put(name, args[++i]);
            }
        }
        return new CommandLine(command, values);
    }

    public static String usage(String command, String summary, List<Option> options) {
        StringBuilder s = new StringBuilder("usage: bin/sd-ij ").append(command).append(' ').append(summary).append('\n');
        for (Option o : options) {
            String left = "  --" + o.name() + (o.isFlag() ? "" : " " + o.valueName());
            s.append(String.format("%-32s %s%n", left, o.help()));
        }
        return s.toString();
    }

    public String command() {
        return command;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String get(String name) {
        return values.get(name);
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public String require(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) throw new UsageException("Missing --" + name);
        return v;
    }

    public Integer integer(String name, Integer fallback) throws UsageException {
        String v = values.get(name);
        if (v == null) return fallback;
        try {
            return Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("Bad --" + name + " '" + v + "': expected a whole number");
        }
    }

    public Double decimal(String name, Double fallback) throws UsageException {
        String v = values.get(name);
        if (v == null) return fallback;
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("Bad --" + name + " '" + v + "': expected a number");
        }
    }

    /** Seeds are unsigned 64-bit as torch takes them; negative values wrap as in torch's manual_seed. */
    public Long seed(String name, Long fallback) throws UsageException {
        String v = values.get(name);
        if (v == null) return fallback;
        try {
            String t = v.trim();
            return t.startsWith("-") ? Long.parseLong(t) : Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            throw new UsageException("Bad --" + name + " '" + v + "': expected an integer between -2^63 and 2^64-1");
        }
    }
}
