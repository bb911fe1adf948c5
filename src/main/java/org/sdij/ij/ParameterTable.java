package org.sdij.ij;

import ij.ImagePlus;
import ij.Macro;
import ij.Prefs;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.frame.Recorder;

import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of one menu command, in dialog order. One table drives the dialog, the remembered
 * last values (ImageJ preferences under {@code sdij.<id>.<key>}), macro options and recording.
 *
 * <p>Macro runs use the table's defaults for keys they leave out (so a macro means the same on every
 * machine); only interactive runs start from, and update, the remembered values. A checkbox left out
 * of a macro is off, as ImageJ records a ticked box as a bare key and an unticked one not at all.
 */
public final class ParameterTable {

    private final String id;
    private final String command;
    private final List<Field> fields;

    public ParameterTable(String id, String command, List<Field> fields) {
        this.id = id;
        this.command = command;
        this.fields = List.copyOf(fields);
        Map<String, Field> seen = new LinkedHashMap<>();
        for (Field f : this.fields) {
            if (seen.put(f.key(), f) != null) throw new IllegalArgumentException(command + ": key " + f.key() + " twice");
        }
    }

    public String id() {
        return id;
    }

    /** The menu command, as macros name it in {@code run("...")}. */
    public String command() {
        return command;
    }

    public List<Field> fields() {
        return fields;
    }

    public Field field(String key) {
        for (Field f : fields) if (f.key().equals(key)) return f;
        throw new IllegalArgumentException(command + " has no parameter " + key);
    }

    public String prefsKey(Field f) {
        return "sdij." + id + "." + f.key();
    }

    public Values defaults() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Field f : fields) m.put(f.key(), f.defaultValue());
        return new Values(this, m);
    }

    /** The last values the user gave; a stored value that no longer parses falls back to the default. */
    public Values remembered() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Field f : fields) {
            Object value = f.defaultValue();
            String stored = f.type() == Field.Type.IMAGE ? null : Prefs.get(prefsKey(f), null);
            if (stored != null) {
                try {
                    value = f.parse(stored);
                } catch (IllegalArgumentException ignored) {
                    // a preference from another version: keep the default
                }
            }
            m.put(f.key(), value);
        }
        return new Values(this, m);
    }

    public void remember(Values values) {
        for (Field f : fields) {
            if (f.type() != Field.Type.IMAGE) Prefs.set(prefsKey(f), f.format(values.get(f.key())));
        }
    }

    /** Values from a macro's options; unknown keys, bad values and values out of range are errors. */
    public Values fromMacro(String options) {
        Map<String, String> given = MacroOptions.parse(options);
        List<String> unknown = new ArrayList<>(given.keySet());
        Map<String, Object> m = new LinkedHashMap<>();
        for (Field f : fields) {
            unknown.remove(f.key());
            String text = given.get(f.key());
            if (text != null) m.put(f.key(), f.parse(text));
            else m.put(f.key(), f.type() == Field.Type.BOOL ? Boolean.FALSE : f.defaultValue());
        }
        if (!unknown.isEmpty()) {
            List<String> known = fields.stream().map(Field::key).toList();
            throw new IllegalArgumentException("Unknown option " + String.join(", ", unknown) + " for " + command
                    + " (known: " + String.join(", ", known) + ")");
        }
        return new Values(this, m);
    }

    /**
     * The values for this run: from the macro options when a macro runs the command, otherwise from a
     * dialog that starts at the remembered values (ImageJ's Recorder records it); the defaults when run
     * headless without options. Null when cancelled.
     */
    public Values ask() {
        String options = Macro.getOptions();
        if (options != null) return fromMacro(options);
        if (GraphicsEnvironment.isHeadless()) return defaults(); // no one to ask: ImageJ's headless convention
        String recording = Recorder.getCommand();
        Values start = remembered();
        Map<String, String> typed = Map.of();
        while (true) {
            GenericDialog gd = dialog(start);
            DialogTexts.fill(fields, gd, typed);
            gd.showDialog();
            if (gd.wasCanceled()) {
                Recorder.disableCommandRecording(); // a cancelled run is not recorded
                return null;
            }
            typed = DialogTexts.typed(fields, gd);
            try {
                Values values = read(gd);
                remember(values);
                return values;
            } catch (IllegalArgumentException e) {
                // say what is wrong, then the same dialog again with everything as the user typed it (the bad
                // value too); the Recorder records only the dialog that was read without error
                Commands.error(command, e.getMessage());
                if (recording != null) Recorder.setCommand(recording);
                Recorder.resetCommandOptions();
                start = typedValues(start, typed);
            }
        }
    }

    /** The values the typed texts give where they parse; the others stay as they were. */
    private Values typedValues(Values before, Map<String, String> typed) {
        Map<String, Object> m = new LinkedHashMap<>(before.map());
        for (Field f : fields) {
            String text = typed.get(f.key());
            if (text == null || f.type() == Field.Type.IMAGE) continue;
            try {
                m.put(f.key(), f.parse(text));
            } catch (IllegalArgumentException ignored) {
                // kept as text in the dialog's field
            }
        }
        return new Values(this, m);
    }

    /** The dialog, filled with these values; not shown (the GUI test shows it to take its picture). */
    public GenericDialog dialog(Values values) {
        GenericDialog gd = new GenericDialog(command.replace("...", ""));
        for (Field f : fields) {
            Object v = values.get(f.key());
            switch (f.type()) {
                case STRING -> gd.addStringField(f.label(), (String) v, 40);
                case DIRECTORY -> gd.addDirectoryField(f.label(), (String) v, 30);
                case MODEL -> ModelChooser.add(gd, f.label(), (String) v, command);
                case LONG -> gd.addStringField(f.label(), f.format(v), 20);
                case INT -> gd.addNumericField(f.label(), ((Long) v).doubleValue(), 0, 8, f.units());
                case DOUBLE -> gd.addNumericField(f.label(), (Double) v, 2, 8, f.units());
                case CHOICE -> gd.addChoice(f.label(), f.choices().toArray(String[]::new), (String) v);
                case BOOL -> gd.addCheckbox(f.label(), (Boolean) v);
                case IMAGE -> {
                    if (f.choices().isEmpty()) {
                        gd.addImageChoice(f.label(), ((String) v).isEmpty() ? likelyImage(f.key()) : (String) v);
                    } else {
                        // an open image named like the field (e.g. "depth.tif") wins over a non-image default
                        String named = namedImage(f.key());
                        gd.addChoice(f.label(), imageChoices(f), v.equals(f.defaultValue()) && named != null ? named : (String) v);
                    }
                }
            }
        }
        gd.addHelp(helpHtml());
        return gd;
    }

    /**
     * What the dialog's Help button shows: every parameter with its macro key and default (or choices), and where
     * the README describes the command.
     */
    public String helpHtml() {
        StringBuilder h = new StringBuilder("<html><h2>").append(html(command.replace("...", ""))).append("</h2>");
        h.append("<p>Plugins &gt; Stable Diffusion &gt; ").append(html(command)).append("; in a macro: <tt>run(\"")
                .append(html(command)).append("\", \"key=value ...\");</tt> (keys left out take these defaults).</p>");
        h.append("<table border=0 cellpadding=2>");
        for (Field f : fields) {
            String value = switch (f.type()) {
                case CHOICE -> String.join(" | ", f.choices()) + " (default " + f.format(f.defaultValue()) + ")";
                case BOOL -> "a flag: written when ticked";
                case MODEL -> "a name in the models folder, or a path to a diffusers folder or a .safetensors/.ckpt file";
                case IMAGE -> "the title of an open image";
                default -> "default " + (f.format(f.defaultValue()).isEmpty() ? "empty" : f.format(f.defaultValue()))
                        + (f.units().isEmpty() ? "" : " " + f.units());
            };
            h.append("<tr><td><tt>").append(html(f.key())).append("</tt></td><td>").append(html(value)).append("</td></tr>");
        }
        h.append("</table><p>The whole description: README.md of sd-ij, section <i>ImageJ and Fiji</i> "
                + "(<i>What a new user sees</i>, <i>Macros and batch</i>).</p></html>");
        return h.toString();
    }

    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /**
     * The open image an image field starts at: one named like the field ("depth" for a depth map), else the first
     * that is not the active image (the command's input), else none.
     */
    static String likelyImage(String key) {
        String named = namedImage(key);
        if (named != null) return named;
        String active = titleOf(WindowManager.getCurrentImage());
        for (String t : WindowManager.getImageTitles()) if (!t.equals(active)) return t;
        return "";
    }

    /** An open image other than the active one whose title contains {@code key}, or null. */
    static String namedImage(String key) {
        String active = titleOf(WindowManager.getCurrentImage());
        for (String t : WindowManager.getImageTitles()) {
            if (!t.equals(active) && t.toLowerCase(java.util.Locale.ROOT).contains(key)) return t;
        }
        return null;
    }

    /** Reads a dialog built by {@link #dialog} after it was closed with OK; the values are checked. */
    public Values read(GenericDialog gd) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Field f : fields) {
            Object value = switch (f.type()) {
                case STRING, DIRECTORY, MODEL -> gd.getNextString();
                case LONG -> f.parse(gd.getNextString());
                case INT -> f.checkRange(Math.round(number(gd, f)));
                case DOUBLE -> f.checkRange(number(gd, f));
                case CHOICE -> gd.getNextChoice();
                case BOOL -> gd.getNextBoolean();
                case IMAGE -> f.choices().isEmpty() ? titleOf(gd.getNextImage()) : gd.getNextChoice();
            };
            m.put(f.key(), value);
        }
        return new Values(this, m);
    }

    private static double number(GenericDialog gd, Field f) {
        double d = gd.getNextNumber();
        if (gd.invalidNumber()) throw new IllegalArgumentException(f.key() + " must be a number");
        return d;
    }

    /** An image field's extra choices, then the titles of the open images. */
    private static String[] imageChoices(Field f) {
        List<String> all = new ArrayList<>(f.choices());
        int[] ids = WindowManager.getIDList();
        if (ids != null) {
            for (int id : ids) {
                ImagePlus imp = WindowManager.getImage(id);
                if (imp != null) all.add(imp.getTitle());
            }
        }
        return all.toArray(String[]::new);
    }

    private static String titleOf(ImagePlus imp) {
        return imp == null ? "" : imp.getTitle();
    }

    /** The options that reproduce these values, every key written out (a checkbox only when ticked). */
    public String macroOptions(Values values) {
        List<String> parts = new ArrayList<>();
        for (Field f : fields) {
            Object v = values.get(f.key());
            if (f.type() == Field.Type.BOOL) {
                if ((Boolean) v) parts.add(f.key());
            } else {
                parts.add(MacroOptions.option(f.key(), f.format(v)));
            }
        }
        return String.join(" ", parts);
    }

    public String macroLine(Values values) {
        return MacroOptions.runLine(command, macroOptions(values));
    }

    /** One run's values, by key, in table order. */
    public record Values(ParameterTable table, Map<String, Object> map) {

        public Values {
            map = Collections.unmodifiableMap(new LinkedHashMap<>(map));
        }

        public Object get(String key) {
            if (!map.containsKey(key)) table.field(key);
            return map.get(key);
        }

        public String string(String key) {
            return (String) get(key);
        }

        public int integer(String key) {
            return Math.toIntExact((Long) get(key));
        }

        public long seed(String key) {
            return (Long) get(key);
        }

        public double decimal(String key) {
            return (Double) get(key);
        }

        public boolean flag(String key) {
            return (Boolean) get(key);
        }

        /** The open image an IMAGE parameter names; the message says which title was not found. */
        public ImagePlus image(String key) {
            String title = string(key);
            ImagePlus imp = title.isEmpty() ? null : WindowManager.getImage(title);
            if (imp == null) throw new IllegalArgumentException(key + ": no open image is called '" + title + "'");
            return imp;
        }

        public Values with(String key, Object value) {
            Map<String, Object> m = new LinkedHashMap<>(map);
            m.put(key, table.field(key).value(value));
            return new Values(table, m);
        }
    }
}
