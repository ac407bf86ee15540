;;; e2e.el --- the eglot recipe against the built stui-lsp and the fake image  -*- lexical-binding: t; -*-

;; editors/e2e_test.go runs: emacs --batch -q -l editors/emacs/test/e2e.el (-q, not -Q: Debian's
;; site-start puts elpa-eglot on the load path)
;; with STUI_LSP, STUI_ENDPOINT, STUI_TOKEN_FILE and STUI_WORKSPACE set. It loads the
;; recipe, opens a .st file, asks for hover, runs the "Print it" code action and checks
;; the buffer. It prints "ok - eglot" and exits 0, or the failure and exits 1.

(load (expand-file-name "../stui-eglot.el" (file-name-directory load-file-name)))

(defvar stui-deadline 20 "Seconds to wait for anything.")

(defun stui-wait (what pred)
  "Process events until PRED answers non-nil, at most `stui-deadline' seconds."
  (let ((end (+ (float-time) stui-deadline)))
    (while (and (not (funcall pred)) (< (float-time) end))
      (accept-process-output nil 0.05))
    (or (funcall pred) (error "Timed out waiting for %s" what))))

(condition-case err
    (let* ((ws (getenv "STUI_WORKSPACE"))
           (file (expand-file-name "eglot.st" ws)))
      (setq eglot-server-programs
            (cons (list 'smalltalk-mode (getenv "STUI_LSP")) eglot-server-programs))
      (setq-default eglot-workspace-configuration
                    (list :stui (list :endpoint (getenv "STUI_ENDPOINT")
                                      :tokenFile (getenv "STUI_TOKEN_FILE"))))
      (with-temp-file file (insert "OrderedCollection new.\n3 + 4"))
      (find-file file)
      (unless (eq major-mode 'smalltalk-mode) (error "Mode is %s" major-mode))
      (apply #'eglot (eglot--guess-contact))
      (stui-wait "eglot to connect" (lambda () (eglot-current-server)))
      (let* ((server (eglot-current-server))
             (hover (jsonrpc-request server :textDocument/hover
                                     (list :textDocument (eglot--TextDocumentIdentifier)
                                           :position (list :line 0 :character 3))))
             (contents (plist-get (plist-get hover :contents) :value)))
        (unless (and contents (string-match-p "OrderedCollection" contents))
          (error "Hover says %S" hover))
        (let* ((actions (jsonrpc-request server :textDocument/codeAction
                                         (list :textDocument (eglot--TextDocumentIdentifier)
                                               :range (list :start (list :line 1 :character 0)
                                                            :end (list :line 1 :character 5))
                                               :context (list :diagnostics []))))
               (print-it (seq-find (lambda (a) (equal (plist-get a :title) "Print it")) actions))
               (command (plist-get print-it :command)))
          (unless command (error "No Print it action in %S" actions))
          (eglot-execute-command server (plist-get command :command) (plist-get command :arguments))
          (stui-wait "the print string"
                     (lambda () (string= (buffer-string) "OrderedCollection new.\n3 + 4 7")))))
      (princ "ok - eglot\n")
      (kill-emacs 0))
  (error
   (princ (format "not ok - eglot: %s\n" (error-message-string err)))
   (kill-emacs 1)))
;;; e2e.el ends here
