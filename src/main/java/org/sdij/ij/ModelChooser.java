package org.sdij.ij;

import ij.gui.GenericDialog;

import javax.swing.JFileChooser;
import java.awt.Button;
import java.awt.Choice;
import java.awt.FlowLayout;
import java.awt.Panel;
import java.awt.TextField;
import java.io.File;
import java.util.List;

/**
 * The model field of a dialog: a text field (recorded as {@code model=}), and under it the models of the
 * models folder to pick from and a Browse button for any folder or file. Only the text field is the
 * dialog's own, so the macro keys stay those of the parameter table. AWT only: never loaded headless.
 */
final class ModelChooser {

    static final String PICK = "Known models...";

    private ModelChooser() {
    }

    /** The model field of {@code command}'s dialog: its list holds the models of the folder that it can run. */
    static void add(GenericDialog gd, String label, String value, String command) {
        gd.addStringField(label, value, 40);
        TextField field = (TextField) gd.getStringFields().lastElement();
        String folder = Settings.current().modelsFolder();
        List<String> known = ModelChoice.known(folder, CommandRun.checkFor(command));

        Panel row = new Panel(new FlowLayout(FlowLayout.LEFT, 4, 0));
        Choice choice = new Choice();
        choice.add(known.isEmpty() ? "(no models for this command in the models folder)" : PICK);
        known.forEach(choice::add);
        choice.setEnabled(!known.isEmpty());
        choice.addItemListener(e -> {
            if (choice.getSelectedIndex() > 0) field.setText(choice.getSelectedItem());
        });
        Button browse = new Button("Browse...");
        browse.addActionListener(e -> browse(field, folder));
        row.add(choice);
        row.add(browse);
        gd.addPanel(row);
        if (folder.isBlank()) gd.addMessage("Set a models folder in Plugins > Stable Diffusion > Models and Settings...");
    }

    /** A diffusers folder or a .safetensors/.ckpt file; a folder chosen inside the models folder is given by name. */
    private static void browse(TextField field, String folder) {
        JFileChooser chooser = new JFileChooser(folder.isBlank() ? null : new File(folder));
        chooser.setFileSelectionMode(JFileChooser.FILES_AND_DIRECTORIES);
        chooser.setDialogTitle("Model: a diffusers folder or a .safetensors/.ckpt file");
        if (chooser.showOpenDialog(field) != JFileChooser.APPROVE_OPTION) return;
        File chosen = chooser.getSelectedFile();
        boolean inFolder = !folder.isBlank() && new File(folder).getAbsoluteFile().equals(chosen.getAbsoluteFile().getParentFile());
        field.setText(inFolder ? chosen.getName() : chosen.getAbsolutePath());
    }
}
