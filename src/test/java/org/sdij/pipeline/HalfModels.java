package org.sdij.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.sdij.io.DType;
import org.sdij.io.SafeTensorsFile;
import org.sdij.io.SafeTensorsWriter;
import org.sdij.io.TensorInfo;

/** float16 copies of the tiny models, as the fp16 files users download hold them. */
final class HalfModels {
    private HalfModels() {}

    /** A copy of a model folder or single file with every F32 tensor of its .safetensors files rounded to F16. */
    static Path copy(Path model, Path target) throws IOException {
        if (Files.isRegularFile(model)) {
            halve(model, target);
            return target;
        }
        try (Stream<Path> files = Files.walk(model)) {
            for (Path file : files.toList()) {
                Path to = target.resolve(model.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else if (file.toString().endsWith(".safetensors")) {
                    halve(file, to);
                } else {
                    Files.copy(file, to);
                }
            }
        }
        return target;
    }

    private static void halve(Path from, Path to) throws IOException {
        try (SafeTensorsFile in = SafeTensorsFile.open(from); NDManager m = NDManager.newBaseManager()) {
            List<TensorInfo> out = new ArrayList<>();
            for (String name : in.names()) {
                TensorInfo info = in.info(name);
                out.add(info.dtype() == DType.F32 ? new TensorInfo(name, DType.F16, info.shape()) : info);
            }
            SafeTensorsWriter.write(to, out, (info, bytes) -> {
                try (NDArray loaded = in.load(info.name(), m)) {
                    if (loaded.getDataType() == DataType.FLOAT32 && info.dtype() == DType.F16) {
                        try (NDArray half = loaded.toType(DataType.FLOAT16, false)) {
                            bytes.put(half.toByteBuffer());
                        }
                    } else {
                        bytes.put(loaded.toByteBuffer());
                    }
                }
            });
        }
    }
}
