package org.sdij.ij;

import ij.gui.GenericDialog;

import java.awt.Checkbox;
import java.awt.Choice;
import java.awt.TextField;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the user typed into a command's dialog, field by field, as text (a bad number as typed), and putting it
 * back into a new dialog: a dialog shown again after a bad value keeps everything the user wrote. AWT only:
 * never loaded headless.
 */
final class DialogTexts {

    private DialogTexts() {
    }

    /** The text of every field of a dialog built by {@link ParameterTable#dialog}, by key. */
    static Map<String, String> typed(List<Field> fields, GenericDialog gd) {
        Map<String, String> texts = new LinkedHashMap<>();
        int strings = 0, numbers = 0, choices = 0, boxes = 0;
        for (Field f : fields) {
            String text = switch (f.type()) {
                case STRING, DIRECTORY, MODEL, LONG -> ((TextField) gd.getStringFields().get(strings++)).getText();
                case INT, DOUBLE -> ((TextField) gd.getNumericFields().get(numbers++)).getText();
                case CHOICE, IMAGE -> ((Choice) gd.getChoices().get(choices++)).getSelectedItem();
                case BOOL -> Boolean.toString(((Checkbox) gd.getCheckboxes().get(boxes++)).getState());
            };
            texts.put(f.key(), text);
        }
        return texts;
    }

    /** Writes the typed texts back into the text fields of a new dialog (the other kinds start at their values). */
    static void fill(List<Field> fields, GenericDialog gd, Map<String, String> texts) {
        int strings = 0, numbers = 0;
        for (Field f : fields) {
            TextField field = switch (f.type()) {
                case STRING, DIRECTORY, MODEL, LONG -> (TextField) gd.getStringFields().get(strings++);
                case INT, DOUBLE -> (TextField) gd.getNumericFields().get(numbers++);
                default -> null;
            };
            if (field != null && texts.containsKey(f.key())) field.setText(texts.get(f.key()));
        }
    }
}
