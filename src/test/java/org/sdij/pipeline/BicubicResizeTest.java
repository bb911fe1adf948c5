package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdij.GoldenFloats;
import org.sdij.io.SafeTensorsFile;

/** BicubicResize against torch 1.13's own results (torch_resize.safetensors, made by make_torch_resize.py). */
class BicubicResizeTest {

    @TestFactory
    List<DynamicTest> reproducesTorchBitForBit() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (SafeTensorsFile fixture = CaseTensors.resource("torch_resize.safetensors")) {
            for (String name : fixture.names()) {
                if (!name.startsWith("bicubic/") || !name.endsWith("/input")) continue;
                String output = name.replace("/input", "/output");
                long[] in = fixture.info(name).shape();
                long[] out = fixture.info(output).shape();
                float[] input = GoldenFloats.read(fixture, name);
                float[] expected = GoldenFloats.read(fixture, output);
                String label = name + " " + in[2] + "x" + in[3] + " -> " + out[2] + "x" + out[3];
                tests.add(DynamicTest.dynamicTest(label, () -> {
                    float[] actual = BicubicResize.resize(input, (int) in[0], (int) in[1], (int) in[2], (int) in[3],
                            (int) out[2], (int) out[3]);
                    System.out.printf("bicubic %-36s max abs error %.3g, %d of %d values differ%n", label,
                            GoldenFloats.maxAbsDiff(actual, expected), differing(actual, expected), expected.length);
                    assertArrayEquals(expected, actual, label);
                }));
            }
        }
        assertTrue(!tests.isEmpty(), "the fixture holds no bicubic cases");
        return tests;
    }

    @Test
    void sameSizeIsTheIdentity() {
        float[] x = {1f, -2.5f, 3.25f, 1e-30f, 7f, 0f};
        assertArrayEquals(x, BicubicResize.resize(x, 1, 1, 2, 3, 2, 3));
    }

    @Test
    void refusesWrongSizes() {
        assertThrows(IllegalArgumentException.class, () -> BicubicResize.resize(new float[5], 1, 1, 2, 3, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> BicubicResize.resize(new float[6], 1, 1, 2, 3, 0, 4));
    }

    @Test
    void planesAreResizedIndependently() {
        float[] two = new float[2 * 4 * 5];
        for (int i = 0; i < 20; i++) {
            two[i] = (float) Math.sin(i);
            two[20 + i] = 100f + i;
        }
        float[] both = BicubicResize.resize(two, 2, 1, 4, 5, 7, 3);
        float[] first = BicubicResize.resize(java.util.Arrays.copyOf(two, 20), 1, 1, 4, 5, 7, 3);
        assertEquals(42, both.length);
        assertArrayEquals(first, java.util.Arrays.copyOf(both, 21));
    }

    static int differing(float[] a, float[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) n++;
        return n;
    }
}
